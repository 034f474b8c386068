package io.keeper.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The node image and the files copied into each node; runs prepare.sh once per JVM. */
public final class KeeperImage {
    private static final Logger log = LoggerFactory.getLogger(KeeperImage.class);
    private static String name;

    private KeeperImage() {
    }

    /** Starts Docker and builds the image if needed; returns the image name, e.g. keeper-node:1. */
    public static synchronized String ensure() {
        if (name == null) {
            Path prepare = dockerDir().resolve("prepare.sh");
            String output = run(List.of("bash", prepare.toString()));
            log.info("{}", output.strip());
            name = imageName(prepare);
        }
        return name;
    }

    /** src/test/docker, holding prepare.sh and node.sh. */
    public static Path dockerDir() {
        return Path.of(requiredProperty("keeper.docker.dir"));
    }

    /** keeper.jar as built by the keeper module; fails with a hint when it has not been built. */
    public static Path keeperJar() {
        Path jar = Path.of(requiredProperty("keeper.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("keeper.jar not found at " + jar
                    + ": build it first with 'mvn -B -DskipTests package' in the project root");
        }
        return jar;
    }

    /** A file `mvn package` wrote beside keeper.jar (keeper/target), found by a glob such as keeper_*_all.deb. */
    public static Path packaged(String glob) {
        Path dir = keeperJar().getParent();
        try (java.nio.file.DirectoryStream<Path> found = Files.newDirectoryStream(dir, glob)) {
            for (Path p : found) {
                return p;
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot list " + dir, e);
        }
        throw new IllegalStateException("No " + glob + " in " + dir + ": build it with 'mvn -B -DskipTests package'");
    }

    private static String imageName(Path prepare) {
        try {
            Matcher m = Pattern.compile("^IMAGE=(\\S+)$", Pattern.MULTILINE)
                    .matcher(Files.readString(prepare));
            if (!m.find()) {
                throw new IllegalStateException("No IMAGE=... line in " + prepare);
            }
            return m.group(1);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + prepare, e);
        }
    }

    private static String run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed with exit code "
                        + process.exitValue() + ":\n" + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while running " + String.join(" ", command), e);
        }
    }

    private static String requiredProperty(String key) {
        String value = System.getProperty(key);
        if (value == null) {
            throw new IllegalStateException("System property " + key + " is not set (the e2e pom sets it)");
        }
        return value;
    }
}
