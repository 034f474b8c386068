package io.keeper.rejoin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the local server keeps its files and programs, and the settings pg_rewind depends on.
 *
 * @param dataDirectory the server's data directory (SHOW data_directory)
 * @param configFile    its postgresql.conf (SHOW config_file); outside the data directory on Debian
 * @param bindir        the directory holding pg_ctl, pg_rewind and postgres
 * @param majorVersion  15 for server_version_num 150005
 * @param walLogHints   SHOW wal_log_hints
 * @param dataChecksums SHOW data_checksums
 */
public record ServerLayout(Path dataDirectory, Path configFile, Path bindir, int majorVersion, boolean walLogHints,
                           boolean dataChecksums) {

    /** The programs a rejoin runs, all from {@link #bindir()}. */
    static final List<String> PROGRAMS = List.of("pg_ctl", "pg_rewind", "postgres");

    /**
     * Reads the layout from the running server. SHOW data_directory and config_file need a superuser or
     * a member of pg_read_all_settings.
     *
     * @param pgBindirSetting the configured bindir; blank means the Debian layout /usr/lib/postgresql/MAJOR/bin
     */
    public static ServerLayout read(Connection c, String pgBindirSetting) throws SQLException {
        Path dataDirectory = Path.of(show(c, "data_directory"));
        Path configFile = Path.of(show(c, "config_file"));
        int major = majorVersion(show(c, "server_version_num"));
        boolean walLogHints = "on".equals(show(c, "wal_log_hints"));
        boolean dataChecksums = "on".equals(show(c, "data_checksums"));
        return new ServerLayout(dataDirectory, configFile, bindir(pgBindirSetting, major), major, walLogHints,
                dataChecksums);
    }

    public static Path bindir(String pgBindirSetting, int majorVersion) {
        if (pgBindirSetting != null && !pgBindirSetting.isBlank()) {
            return Path.of(pgBindirSetting.strip());
        }
        return Path.of("/usr/lib/postgresql", String.valueOf(majorVersion), "bin");
    }

    /** 150005 → 15 (the numbering since PostgreSQL 10). */
    static int majorVersion(String serverVersionNum) throws SQLException {
        try {
            return Integer.parseInt(serverVersionNum.strip()) / 10000;
        } catch (NumberFormatException e) {
            throw new SQLException("reading the server layout: server_version_num is '" + serverVersionNum
                    + "', not a number", null, e);
        }
    }

    private static String show(Connection c, String setting) throws SQLException {
        String value;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW " + setting)) {
            value = rs.next() ? rs.getString(1) : null;
        } catch (SQLException e) {
            throw new SQLException("reading the server layout: SHOW " + setting + " failed: " + e.getMessage(),
                    e.getSQLState(), e);
        }
        if (value == null) {
            throw new SQLException("reading the server layout: SHOW " + setting + " returned nothing");
        }
        return value;
    }

    /** The directory holding postgresql.conf: what pg_ctl -D must name (the data directory unless on Debian). */
    public Path configDirectory() {
        return configFile.toAbsolutePath().getParent();
    }

    /** Path of one program in {@link #bindir()}. */
    Path program(String name) {
        return bindir.resolve(name);
    }

    /** Human sentences for every missing prerequisite of a rejoin; empty when a rejoin can work. */
    public List<String> rewindProblems() {
        List<String> problems = new ArrayList<>();
        if (!walLogHints && !dataChecksums) {
            problems.add("pg_rewind needs wal_log_hints = on or data checksums; this server has neither");
        }
        for (String name : PROGRAMS) {
            Path program = program(name);
            if (!Files.exists(program)) {
                problems.add(name + " not found at " + program + " (is the PostgreSQL " + majorVersion
                        + " bindir right?)");
            } else if (!Files.isRegularFile(program) || !Files.isExecutable(program)) {
                problems.add(name + " at " + program + " is not an executable file for this user");
            }
        }
        Path fileName = configFile.getFileName();
        if (fileName == null || !fileName.toString().equals("postgresql.conf")) {
            problems.add("config_file " + configFile + " is not named postgresql.conf, so pg_ctl -D "
                    + configDirectory() + " cannot find it");
        }
        return problems;
    }
}
