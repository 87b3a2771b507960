package io.sluice.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads and validates a Sluice YAML configuration file (format: DESIGN.md section 3).
 *
 * <p>Every problem in the file is reported at once, each with its line and its path in the document, e.g.
 * {@code sluice.yaml:12: listeners[0].routes[1].cluster: unknown cluster "api"}. Unknown keys are errors.
 * Names are never resolved, so checking a file does not depend on DNS. Thread-safe: there is no shared state.
 */
public final class ConfigLoader {

    private ConfigLoader() {
    }

    /**
     * Reads and validates {@code file}; problems name the file as given.
     *
     * @return the configuration with every default filled in
     * @throws ConfigException listing every problem, including a file that cannot be read (line 0)
     */
    public static SluiceConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigException(List.of(
                    new ConfigProblem(file.toString(), 0, "", "cannot read file: " + reason(e))));
        }
        return parse(text, file.toString());
    }

    /** The JDK's messages for these are just the path or "Input length = 1". */
    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof CharacterCodingException) {
            return "not valid UTF-8";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * Validates YAML text.
     *
     * @param sourceName what problems call the text, usually its file name
     * @return the configuration with every default filled in
     * @throws ConfigException listing every problem, ordered by line
     */
    public static SluiceConfig parse(String yamlText, String sourceName) {
        Problems problems = new Problems(sourceName);
        Node root = YamlTree.read(yamlText, problems);
        SluiceConfig config = root == null ? null : new ConfigReader(problems).read(root);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.sorted());
        }
        return config;
    }
}
