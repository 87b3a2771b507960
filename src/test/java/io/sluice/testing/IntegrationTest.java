package io.sluice.testing;

import org.junit.jupiter.api.Tag;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a black-box integration test class (real sockets, Sluice started by {@link ProxyFixture}). The tag lets the
 * build run these classes a second time with several event loops ({@code -Dsluice.test.workers=N}).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("integration")
public @interface IntegrationTest {
}
