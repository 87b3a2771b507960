package io.sluice.cache;

/** Entity-tag comparison (RFC 9110 §8.8.3.2). */
final class EntityTags {
    private EntityTags() {
    }

    /**
     * Whether a list of entity tags (an If-None-Match value) matches {@code etag} by weak comparison: opaque tags
     * equal, {@code W/} ignored on either side; {@code *} matches any.
     */
    static boolean matchesWeakly(String list, String etag) {
        String wanted = opaque(etag);
        int i = 0;
        int n = list.length();
        while (i < n) {
            int start = i;
            boolean quoted = false;
            // a comma inside the quotes of an entity tag is part of it
            while (i < n && (quoted || list.charAt(i) != ',')) {
                if (list.charAt(i) == '"') {
                    quoted = !quoted;
                }
                i++;
            }
            String c = list.substring(start, i).trim();
            i++;
            if (c.equals("*") || !c.isEmpty() && opaque(c).equals(wanted)) {
                return true;
            }
        }
        return false;
    }

    private static String opaque(String tag) {
        String t = tag.trim();
        return t.startsWith("W/") ? t.substring(2) : t;
    }
}
