package io.sluice.config;

/**
 * One thing wrong with a configuration file.
 *
 * @param source  the file name as given to the loader
 * @param line    1-based line of the offending key or value; 0 when the file could not be read at all
 * @param path    where in the document, e.g. {@code listeners[0].routes[1].cluster}; empty for the file as a whole
 * @param message what is wrong, e.g. {@code unknown cluster "api"}
 */
public record ConfigProblem(String source, int line, String path, String message) {

    /** {@code source:line: path: message}, or {@code source:line: message} when the path is empty. */
    @Override
    public String toString() {
        return path.isEmpty()
                ? source + ":" + line + ": " + message
                : source + ":" + line + ": " + path + ": " + message;
    }
}
