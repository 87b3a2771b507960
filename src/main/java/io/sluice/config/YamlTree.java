package io.sluice.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds a {@link Node} tree from YAML text with Jackson's streaming parser, keeping lines. */
final class YamlTree {
    private static final YAMLFactory FACTORY = new YAMLFactory();

    private final YAMLParser parser;
    private final Problems problems;

    private YamlTree(YAMLParser parser, Problems problems) {
        this.parser = parser;
        this.problems = problems;
    }

    /**
     * The document's root, or {@code null} when there is nothing usable (the reason is then in
     * {@code problems}). Duplicate keys and aliases are reported without stopping.
     */
    static Node read(String text, Problems problems) {
        try (YAMLParser parser = FACTORY.createParser(text)) {
            JsonToken first = parser.nextToken();
            if (first == null || first == JsonToken.VALUE_NULL) {
                problems.add(1, "", "the file is empty (expected a mapping with at least \"listeners\")");
                return null;
            }
            Node root = new YamlTree(parser, problems).value("");
            if (parser.nextToken() != null) {
                problems.add(line(parser), "", "only one YAML document is allowed");
            }
            return root;
        } catch (JsonProcessingException e) {
            // Whatever was found before is suspect once the structure is broken, so the syntax error stands alone.
            problems.clear();
            problems.add(errorLine(e), "", "YAML syntax error: " + describe(e));
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading from a String does no I/O
        }
    }

    private Node value(String path) throws IOException {
        JsonToken token = parser.currentToken();
        int line = line(parser);
        if (token == JsonToken.START_OBJECT) {
            return mapping(path, line);
        }
        if (token == JsonToken.START_ARRAY) {
            return sequence(path, line);
        }
        if (parser.isCurrentAlias()) {
            // Jackson hands an alias over as its anchor's name, which would silently become a wrong value.
            problems.add(line, path, "YAML aliases (*name) are not supported");
        }
        return new Node.Scalar(line, token == JsonToken.VALUE_NULL ? null : parser.getText());
    }

    private Node.Mapping mapping(String path, int line) throws IOException {
        Map<String, Node.Entry> entries = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String key = parser.currentName();
            int keyLine = line(parser);
            String childPath = Node.child(path, key);
            parser.nextToken();
            Node.Entry entry = new Node.Entry(key, keyLine, value(childPath));
            Node.Entry first = entries.putIfAbsent(key, entry);
            if (first != null) {
                problems.add(keyLine, childPath,
                        "duplicate key \"" + key + "\" (first at line " + first.keyLine() + ")");
            }
        }
        return new Node.Mapping(line, entries);
    }

    private Node.Sequence sequence(String path, int line) throws IOException {
        List<Node> items = new ArrayList<>();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            items.add(value(Node.index(path, items.size())));
        }
        return new Node.Sequence(line, items);
    }

    private static int line(JsonParser parser) {
        return parser.currentTokenLocation().getLineNr();
    }

    /** Jackson's own location can be a token early (a tab on line 2 is reported on line 1); SnakeYAML's is exact. */
    private static int errorLine(JsonProcessingException e) {
        if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked
                && marked.getProblemMark() != null) {
            return marked.getProblemMark().getLine() + 1;
        }
        return e.getLocation() == null ? 1 : Math.max(1, e.getLocation().getLineNr());
    }

    /** SnakeYAML's message spans several lines with a source excerpt; its one-line "problem" is what helps. */
    private static String describe(JsonProcessingException e) {
        if (e.getCause() instanceof org.yaml.snakeyaml.error.MarkedYAMLException marked && marked.getProblem() != null) {
            String context = marked.getContext();
            return context == null ? marked.getProblem() : marked.getProblem() + " (" + context + ")";
        }
        String message = e.getOriginalMessage();
        if (message == null) {
            return e.getClass().getSimpleName();
        }
        if (message.startsWith("Expected a field name")) {
            return "a mapping key must be a plain value, not a list or mapping"; // Jackson's text names SnakeYAML classes
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
