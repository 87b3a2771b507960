package io.sluice.cluster;

import io.sluice.config.Balance;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;

import static io.sluice.cluster.TestClusters.assertBinomialShares;
import static io.sluice.cluster.TestClusters.cluster;
import static io.sluice.cluster.TestClusters.counts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LeastRequestTest {
    private static void load(Server server, int requests) {
        for (int i = 0; i < requests; i++) {
            server.requestStarted();
        }
    }

    @Test
    void anIdleClusterIsBalancedByWeightWithinFiveSigma() {
        // no request stays in flight: every comparison ties and goes to the first draw, a weighted random pick
        int[] weights = {1, 2, 3, 4};
        Balancer b = cluster(Balance.LEAST_REQUEST, weights).newBalancer(0);
        int picks = 1_000_000;
        assertBinomialShares(counts(b, weights.length, picks), weights, picks);
    }

    @Test
    void aLoadedClusterIsBalancedByWeight() {
        // every request lasts the next 100 picks (servers equally fast), so a server's share of the picks is its
        // mean share of the requests in flight, which least_request keeps in proportion to weight. The bound is 2%
        // of each share: the counts are not binomial (the load feeds back into the picks), and over 30 runs the
        // largest deviation seen was 0.6%
        int[] weights = {1, 2, 3, 4};
        Cluster c = cluster(Balance.LEAST_REQUEST, weights);
        Balancer b = c.newBalancer(0);
        ArrayDeque<Server> inFlight = new ArrayDeque<>();
        int picks = 200_000;
        int[] counts = new int[weights.length];
        for (int i = 0; i < picks; i++) {
            int pick = b.pick(0, 0);
            counts[pick]++;
            Server server = c.servers().get(pick);
            server.requestStarted();
            inFlight.add(server);
            if (inFlight.size() > 100) {
                inFlight.remove().requestEnded();
            }
        }
        for (int i = 0; i < weights.length; i++) {
            double expected = picks * weights[i] / 10.0;
            assertThat((double) counts[i]).as("picks of server %d", i).isCloseTo(expected, within(0.02 * expected));
        }
    }

    @Test
    void theLessLoadedOfTwoIsPicked() {
        Cluster c = cluster(Balance.LEAST_REQUEST, 1, 1);
        load(c.servers().get(0), 1);
        Balancer b = c.newBalancer(0);
        assertThat(counts(b, 2, 1_000)).containsExactly(0, 1_000);
        c.servers().get(0).requestEnded();
        load(c.servers().get(1), 1);
        assertThat(counts(b, 2, 1_000)).containsExactly(1_000, 0);
    }

    @Test
    void theMostLoadedIsNeverPickedWhenEveryPairHasALessLoadedOne() {
        Cluster c = cluster(Balance.LEAST_REQUEST, 1, 1, 1, 1);
        load(c.servers().get(2), 5);
        int[] counts = counts(c.newBalancer(0), 4, 10_000);
        assertThat(counts[2]).isZero();
        assertThat(counts[0] + counts[1] + counts[3]).isEqualTo(10_000);
    }

    @Test
    void theTwoCandidatesAreDistinctWeightedDraws() {
        // loads per weight rank the servers 0 < 1 < 2, so a pick is the lower of the pair drawn. With shares
        // p = 1/6, 2/6, 3/6 and the second draw over the others' weights, server 0 is in the pair with probability
        // p0 + p1·p0/(1-p1) + p2·p0/(1-p2) = 5/12, server 2 wins no pair, server 1 takes the remaining 7/12
        Cluster c = cluster(Balance.LEAST_REQUEST, 1, 2, 3);
        load(c.servers().get(1), 1);
        load(c.servers().get(2), 3);
        int picks = 1_000_000;
        assertBinomialShares(counts(c.newBalancer(0), 3, picks), new int[] {5, 7, 0}, picks);
    }

    @Test
    void loadIsComparedPerUnitOfWeight() {
        Cluster c = cluster(Balance.LEAST_REQUEST, 3, 1);
        Balancer b = c.newBalancer(0);
        load(c.servers().get(0), 2);
        load(c.servers().get(1), 1);
        assertThat(counts(b, 2, 1_000)).as("2/3 < 1/1").containsExactly(1_000, 0);
        load(c.servers().get(0), 2);
        assertThat(counts(b, 2, 1_000)).as("4/3 > 1/1").containsExactly(0, 1_000);
    }

    @Test
    void requestsInFlightAreSeenByTheBalancersOfEveryLoop() {
        Cluster c = cluster(Balance.LEAST_REQUEST, 1, 1);
        Balancer loop0 = c.newBalancer(0);
        Balancer loop1 = c.newBalancer(1);
        c.servers().get(loop0.pick(0, 0)).requestStarted();
        int busy = c.servers().get(0).inFlight() == 1 ? 0 : 1;
        assertThat(loop1.pick(0, 0)).isEqualTo(1 - busy);
    }

    @Test
    void theOnlyCandidateIsTakenHoweverLoaded() {
        Cluster c = cluster(Balance.LEAST_REQUEST, 1, 1, 1);
        load(c.servers().get(2), 100);
        c.servers().get(1).setAdminState(Server.AdminState.DISABLED);
        assertThat(c.newBalancer(0).pick(0b001, 0)).isEqualTo(2);
    }

    @Test
    void unavailableServersAreNeverPicked() {
        Cluster c = cluster(Balance.LEAST_REQUEST, 1, 1, 1, 1);
        c.servers().get(1).setAdminState(Server.AdminState.DISABLED);
        c.servers().get(2).setHealthy(false);
        load(c.servers().get(0), 50);
        load(c.servers().get(3), 50);
        int[] counts = counts(c.newBalancer(0), 4, 10_000);
        assertThat(counts[1]).isZero();
        assertThat(counts[2]).isZero();
        assertThat(counts[0] + counts[3]).isEqualTo(10_000);
    }

    @Test
    void triedServersAreSkipped() {
        Cluster c = cluster(Balance.LEAST_REQUEST, 1, 1, 1);
        load(c.servers().get(1), 10);
        Balancer b = c.newBalancer(0);
        for (int i = 0; i < 1_000; i++) {
            assertThat(b.pick(0b101, 0)).isEqualTo(1);
            assertThat(b.pick(0b001, 0)).isEqualTo(2);
        }
    }

    @Test
    void minusOneWhenNothingIsLeft() {
        Cluster c = cluster(Balance.LEAST_REQUEST, 1, 1);
        Balancer b = c.newBalancer(0);
        assertThat(b.pick(0b11, 0)).isEqualTo(-1);
        c.servers().get(0).setHealthy(false);
        assertThat(b.pick(0b10, 0)).isEqualTo(-1);
        c.servers().get(1).setEjected(true);
        assertThat(b.pick(0, 0)).isEqualTo(-1);
    }
}
