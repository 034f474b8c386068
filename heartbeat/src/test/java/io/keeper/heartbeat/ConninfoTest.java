package io.keeper.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing libpq connection strings and turning them into a JDBC URL and properties. */
class ConninfoTest {

    @TempDir
    Path dir;

    // ---- key=value form ----

    @Test
    void parsesKeyValuePairsWithSpacesAroundTheEqualsSign() {
        Conninfo c = Conninfo.parse("  host = db1   port= 5433 user =app\tdbname=appdb  ");

        assertEquals("db1", c.host());
        assertEquals(5433, c.port());
        assertEquals("app", c.user());
        assertEquals("appdb", c.dbname());
    }

    @Test
    void quotedValueKeepsSpacesAndEscapedQuotes() {
        Conninfo c = Conninfo.parse("password='it\\'s a \\\\secret' application_name='keeper east' host=db1");

        assertEquals("it's a \\secret", c.get("password"));
        assertEquals("keeper east", c.get("application_name"));
        assertEquals("db1", c.host());
    }

    @Test
    void emptyQuotedValueIsEmpty() {
        assertEquals("", Conninfo.parse("host=db1 password=''").get("password"));
    }

    @Test
    void backslashEscapesInAnUnquotedValue() {
        assertEquals("a b", Conninfo.parse("password=a\\ b host=db1").get("password"));
    }

    @Test
    void missingEqualsIsRejectedNamingTheKey() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Conninfo.parse("host=db1 port"));
        assertEquals("missing \"=\" after \"port\"", e.getMessage());
    }

    @Test
    void unterminatedQuoteIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Conninfo.parse("host=db1 application_name='keeper"));
        assertTrue(e.getMessage().contains("unterminated"), e.getMessage());
        assertTrue(e.getMessage().contains("application_name"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void emptyStringIsRejected(String text) {
        assertThrows(IllegalArgumentException.class, () -> Conninfo.parse(text));
    }

    @Test
    void nullIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> Conninfo.parse(null));
    }

    // ---- URI form ----

    @Test
    void parsesUriWithCredentialsPortDatabaseAndParameters() {
        Conninfo c = Conninfo.parse("postgresql://app:s3cret@db1.example.com:5433/appdb?sslmode=require"
                + "&application_name=keeper");

        assertEquals("app", c.user());
        assertEquals("s3cret", c.get("password"));
        assertEquals("db1.example.com", c.host());
        assertEquals(5433, c.port());
        assertEquals("appdb", c.dbname());
        assertEquals("require", c.get("sslmode"));
        assertEquals("keeper", c.get("application_name"));
    }

    @Test
    void acceptsThePostgresScheme() {
        Conninfo c = Conninfo.parse("postgres://app@db1/appdb");

        assertEquals("db1", c.host());
        assertEquals("app", c.user());
        assertFalse(c.hasPassword());
    }

    @Test
    void uriComponentsArePercentDecoded() {
        Conninfo c = Conninfo.parse("postgresql://us%40er:p%40ss%3Aw%2Fo%25rd@db1/my%20db?application_name=keeper%20east");

        assertEquals("us@er", c.user());
        assertEquals("p@ss:w/o%rd", c.get("password"));
        assertEquals("my db", c.dbname());
        assertEquals("keeper east", c.get("application_name"));
    }

    @Test
    void plusInAUriIsALiteralPlus() {
        assertEquals("a+b", Conninfo.parse("postgresql://app:a+b@db1/appdb").get("password"));
    }

    @Test
    void passwordWithAnUnencodedAtSignSplitsAtTheLastAt() {
        Conninfo c = Conninfo.parse("postgresql://app:p@ss@db1/appdb");

        assertEquals("p@ss", c.get("password"));
        assertEquals("db1", c.host());
    }

    @Test
    void bracketedIpv6HostWithPort() {
        Conninfo c = Conninfo.parse("postgresql://app@[::1]:5433/appdb");

        assertEquals("::1", c.host());
        assertEquals(5433, c.port());
        assertEquals("[::1]:5433", c.address());
        assertEquals("jdbc:postgresql://[::1]:5433/appdb", c.jdbcUrl());
    }

    @Test
    void bracketedIpv6HostWithoutPortUsesTheDefaultPort() {
        Conninfo c = Conninfo.parse("postgresql://[fe80::1]/appdb");

        assertEquals("fe80::1", c.host());
        assertEquals(5432, c.port());
    }

    @Test
    void uriWithoutHostMeansLocalhost() {
        Conninfo c = Conninfo.parse("postgresql:///appdb");

        assertEquals("localhost", c.host());
        assertEquals("appdb", c.dbname());
    }

    @Test
    void uriParameterWithoutValueIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Conninfo.parse("postgresql://db1/appdb?sslmode"));
        assertTrue(e.getMessage().contains("expected name=value"), e.getMessage());
    }

    // ---- defaults ----

    @Test
    void portDefaultsTo5432AndDatabaseToTheUser() {
        Conninfo c = Conninfo.parse("host=db1 user=app");

        assertEquals(5432, c.port());
        assertEquals("app", c.dbname());
    }

    @Test
    void userDefaultsToTheOperatingSystemUser() {
        Conninfo c = Conninfo.parse("host=db1");

        assertEquals(System.getProperty("user.name"), c.user());
        assertEquals(System.getProperty("user.name"), c.dbname());
    }

    @Test
    void hostaddrIsUsedWhenThereIsNoHost() {
        assertEquals("10.0.0.5", Conninfo.parse("hostaddr=10.0.0.5").host());
        assertEquals("db1", Conninfo.parse("host=db1 hostaddr=10.0.0.5").host());
        assertEquals("localhost", Conninfo.parse("port=5433").host());
    }

    // ---- rejected input ----

    @Test
    void unknownOptionIsRejectedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Conninfo.parse("host=db1 hots=db2"));
        assertEquals("unknown connection option \"hots\"", e.getMessage());
    }

    @Test
    void unknownUriParameterIsRejectedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Conninfo.parse("postgresql://db1/appdb?sslmod=require"));
        assertEquals("unknown connection option \"sslmod\"", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"host=db1 port=54x2", "host=db1 port=-1", "host=db1 port=", "host=db1 port=123456",
        "postgresql://db1:abc/appdb"})
    void badPortIsRejectedShowingTheValue(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Conninfo.parse(text));
        assertTrue(e.getMessage().startsWith("port must be a number"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"host=db1,db2", "postgresql://db1,db2/appdb", "postgresql://db1:5432,db2:5432/appdb"})
    void severalHostsAreRejected(String text) {
        assertThrows(IllegalArgumentException.class, () -> Conninfo.parse(text));
    }

    // ---- never show the password ----

    @Test
    void maskedKeyValueFormHidesThePassword() {
        Conninfo c = Conninfo.parse("host=db1 user=app password='hunter2 x'");

        assertEquals("host=db1 user=app password=********", c.masked());
        assertFalse(c.masked().contains("hunter2"));
        assertEquals(c.masked(), c.toString());
    }

    @Test
    void maskedUriFormHidesThePassword() {
        Conninfo c = Conninfo.parse("postgresql://app:hunter2@db1:5433/appdb?sslmode=require");

        assertFalse(c.masked().contains("hunter2"), c.masked());
        assertTrue(c.masked().contains("password=********"), c.masked());
        assertFalse(c.toString().contains("hunter2"));
    }

    @Test
    void maskedWithoutPasswordHasNoPasswordKey() {
        assertFalse(Conninfo.parse("host=db1 user=app").masked().contains("password"));
    }

    @Test
    void maskedFormParsesBackToTheSameOptions() {
        Conninfo c = Conninfo.parse("host=db1 application_name='keeper \\'east\\'' options='-c a=b'");

        assertEquals(c, Conninfo.parse(c.masked()));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "host=db1 password=hunter2 port=abc",
        "host=db1 password=hunter2 bogus=1",
        "host=db1 password=hunter2 host=a,b",
        "host=db1 password='hunter2",
        "host=db1 password=hunter2 port",
        "postgresql://app:hunter2@db1:abc/appdb",
        "postgresql://app:hunter2@db1/appdb?bogus=1",
        "postgresql://app:hunter2@db1,db2/appdb",
        "postgresql://app:hunter2@db1/appdb?sslmode",
    })
    void parseErrorNeverShowsThePassword(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Conninfo.parse(text));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    // ---- address and JDBC ----

    @Test
    void addressIsHostColonPort() {
        assertEquals("db1:5432", Conninfo.parse("host=db1").address());
        assertEquals("[::1]:5433", Conninfo.parse("host=::1 port=5433").address());
    }

    @Test
    void jdbcUrlHasHostPortAndDatabaseButNoCredentials() {
        Conninfo c = Conninfo.parse("host=db1 port=5433 dbname=appdb user=app password=hunter2");

        assertEquals("jdbc:postgresql://db1:5433/appdb", c.jdbcUrl());
    }

    @ParameterizedTest
    @ValueSource(strings = {"appdb", "a+b", "50%off", "what?x", "a/b", "my db", "наша_база"})
    void databaseNameSurvivesTheDriversUrlParsing(String dbname) {
        Conninfo c = Conninfo.parse("host=db1 user=app dbname='" + dbname + "'");

        Properties parsed = org.postgresql.Driver.parseURL(c.jdbcUrl(), new Properties());

        assertEquals(dbname, parsed.getProperty("PGDBNAME"));
        assertEquals("db1", parsed.getProperty("PGHOST"));
    }

    @Test
    void jdbcPropertiesCarryUserSslAndApplicationName() {
        Conninfo c = Conninfo.parse("host=db1 user=app sslmode=verify-full sslrootcert=/etc/ca.pem "
                + "gssencmode=disable channel_binding=require application_name=east");
        Properties p = c.jdbcProperties(Map.of());

        assertEquals("app", p.getProperty("user"));
        assertEquals("verify-full", p.getProperty("sslmode"));
        assertEquals("/etc/ca.pem", p.getProperty("sslrootcert"));
        assertEquals("disable", p.getProperty("gssEncMode"));
        assertEquals("require", p.getProperty("channelBinding"));
        assertEquals("east", p.getProperty("ApplicationName"));
    }

    @Test
    void jdbcPropertiesDefaultToSslPreferAndApplicationNameKeeper() {
        Properties p = Conninfo.parse("host=db1 user=app password=x").jdbcProperties(Map.of());

        assertEquals("prefer", p.getProperty("sslmode"));
        assertEquals("keeper", p.getProperty("ApplicationName"));
    }

    // ---- where the password comes from ----

    @Test
    void passwordInTheConnectionStringWinsOverEverything() throws IOException {
        Path passfile = pgpass("option", "db1:5432:app:app:from-passfile-option");
        Path envfile = pgpass("env", "*:*:*:*:from-pgpassfile");
        Conninfo c = Conninfo.parse("host=db1 user=app password=from-conninfo passfile=" + passfile);

        Properties p = c.jdbcProperties(Map.of("PGPASSWORD", "from-env", "PGPASSFILE", envfile.toString()));

        assertEquals("from-conninfo", p.getProperty("password"));
    }

    @Test
    void pgpasswordWinsOverPasswordFiles() throws IOException {
        Path passfile = pgpass("option", "*:*:*:*:from-passfile-option");
        Conninfo c = Conninfo.parse("host=db1 user=app passfile=" + passfile);

        Properties p = c.jdbcProperties(Map.of("PGPASSWORD", "from-env"));

        assertEquals("from-env", p.getProperty("password"));
    }

    @Test
    void passfileOptionWinsOverPgpassfile() throws IOException {
        Path passfile = pgpass("option", "*:*:*:*:from-passfile-option");
        Path envfile = pgpass("env", "*:*:*:*:from-pgpassfile");
        Conninfo c = Conninfo.parse("host=db1 user=app passfile=" + passfile);

        Properties p = c.jdbcProperties(Map.of("PGPASSFILE", envfile.toString()));

        assertEquals("from-passfile-option", p.getProperty("password"));
    }

    @Test
    void pgpassfileWinsOverHomePgpass() throws IOException {
        Path home = Files.createDirectories(dir.resolve("home"));
        PgPassTest.privateFile(Files.writeString(home.resolve(".pgpass"), "*:*:*:*:from-home\n"));
        Path envfile = pgpass("env", "*:*:*:*:from-pgpassfile");
        Conninfo c = Conninfo.parse("host=db1 user=app");

        Properties p = withUserHome(home, () -> c.jdbcProperties(Map.of("PGPASSFILE", envfile.toString())));

        assertEquals("from-pgpassfile", p.getProperty("password"));
    }

    @Test
    void homePgpassIsTheLastResort() throws IOException {
        Path home = Files.createDirectories(dir.resolve("home"));
        PgPassTest.privateFile(Files.writeString(home.resolve(".pgpass"), "db1:5432:app:app:from-home\n"));
        Conninfo c = Conninfo.parse("host=db1 user=app");

        Properties p = withUserHome(home, () -> c.jdbcProperties(Map.of()));

        assertEquals("from-home", p.getProperty("password"));
    }

    @Test
    void passwordFileIsMatchedOnHostPortDatabaseAndUser() throws IOException {
        Path passfile = pgpass("option", "db2:5432:appdb:app:wrong-host", "db1:5433:appdb:app:wrong-port",
                "db1:5432:other:app:wrong-db", "db1:5432:appdb:bob:wrong-user", "db1:5432:appdb:app:right");
        Conninfo c = Conninfo.parse("host=db1 user=app dbname=appdb passfile=" + passfile);

        assertEquals("right", c.jdbcProperties(Map.of()).getProperty("password"));
    }

    @Test
    void missingPassfileGivesNoPasswordRatherThanFallingBack() throws IOException {
        Path envfile = pgpass("env", "*:*:*:*:from-pgpassfile");
        Conninfo c = Conninfo.parse("host=db1 user=app passfile=" + dir.resolve("absent"));

        Properties p = c.jdbcProperties(Map.of("PGPASSFILE", envfile.toString()));

        assertNull(p.getProperty("password"));
    }

    @Test
    void noPasswordAnywhereLeavesThePropertyUnset() throws IOException {
        Path emptyHome = Files.createDirectories(dir.resolve("empty-home"));
        Conninfo c = Conninfo.parse("host=db1 user=app");

        Properties p = withUserHome(emptyHome, () -> c.jdbcProperties(Map.of()));

        assertNull(p.getProperty("password"));
        assertFalse(c.hasPassword());
    }

    private Path pgpass(String name, String... lines) throws IOException {
        return PgPassTest.privateFile(Files.write(dir.resolve(name + ".pgpass"), java.util.List.of(lines)));
    }

    /**
     * Runs the action with user.home pointing at a temporary directory, so ~/.pgpass is ours and the real
     * home directory is never read.
     */
    private static <T> T withUserHome(Path home, java.util.function.Supplier<T> action) {
        String saved = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        try {
            return action.get();
        } finally {
            System.setProperty("user.home", saved);
        }
    }
    // ---- hostaddr, service, Unix sockets ----

    @Test
    void hostaddrIsWhereTheDriverConnectsWhileHostNamesThePasswordLineAndTheCertificate() throws IOException {
        Conninfo c = Conninfo.parse("host=db1.example hostaddr=192.0.2.7 port=5433 user=app dbname=appdb");
        assertEquals("jdbc:postgresql://192.0.2.7:5433/appdb", c.jdbcUrl(), "no name lookup");
        assertEquals("db1.example", c.host());
        assertEquals("db1.example:5433", c.address());
        Path pgpass = dir.resolve("pgpass");
        Files.writeString(pgpass, "192.0.2.7:5433:appdb:app:by-address\ndb1.example:5433:appdb:app:by-name\n");
        Files.setPosixFilePermissions(pgpass, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Properties props = c.jdbcProperties(Map.of("PGPASSFILE", pgpass.toString()));
        assertEquals("by-name", props.getProperty("password"), "libpq looks the password up by host");
        assertEquals(HostNameVerifier.class.getName(), props.getProperty("sslhostnameverifier"));
        assertEquals("db1.example", props.getProperty(HostNameVerifier.EXPECTED_HOST));

        Properties plain = Conninfo.parse("host=db1.example port=5433").jdbcProperties(Map.of());
        assertNull(plain.getProperty("sslhostnameverifier"), "without hostaddr the driver's own check applies");
        assertEquals("jdbc:postgresql://[2001:db8::7]:5432/postgres",
                Conninfo.parse("host=db1 hostaddr=2001:db8::7 user=postgres").jdbcUrl());
    }

    @Test
    void theCertificateIsCheckedAgainstHostWithTheDriversRules() {
        java.util.List<String> asked = new java.util.ArrayList<>();
        javax.net.ssl.HostnameVerifier rules = (name, session) -> asked.add(name) && name.equals("db1.example");
        assertTrue(new HostNameVerifier("db1.example", rules).verify("192.0.2.7", null));
        assertEquals(java.util.List.of("db1.example"), asked, "host is checked, not the address connected to");
        assertFalse(new HostNameVerifier(null, rules).verify("192.0.2.7", null), "no host known: refused");
        Properties info = new Properties();
        info.setProperty(HostNameVerifier.EXPECTED_HOST, "db1.example");
        assertEquals("db1.example", new HostNameVerifier(info).expected(), "what the driver's properties carry");
    }

    @ParameterizedTest
    @ValueSource(strings = {"hostaddr=db1.example", "hostaddr=10.0.0.1x"})
    void aHostNameAsHostaddrIsRefusedClearly(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Conninfo.parse(text));
        assertTrue(e.getMessage().contains(text.substring(text.indexOf('=') + 1)), e.getMessage());
    }

    @Test
    void aSocketDirectoryAsHostGoesThroughTheUnixSocketFactoryWithoutTls() throws IOException {
        Conninfo c = Conninfo.parse("host=/var/run/postgresql port=5433 user=postgres dbname=postgres sslmode=require");
        assertTrue(c.viaSocket());
        assertEquals("/var/run/postgresql:5433", c.address());
        assertEquals("jdbc:postgresql://localhost:5433/postgres", c.jdbcUrl());
        Path pgpass = dir.resolve("pgpass");
        Files.writeString(pgpass, "localhost:5433:postgres:postgres:through-the-socket\n");
        Files.setPosixFilePermissions(pgpass, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Properties props = c.jdbcProperties(Map.of("PGPASSFILE", pgpass.toString()));
        assertEquals(UnixSocketFactory.class.getName(), props.getProperty("socketFactory"));
        assertEquals("/var/run/postgresql", props.getProperty(UnixSocketFactory.DIRECTORY));
        assertEquals("disable", props.getProperty("sslmode"), "libpq never uses TLS on a socket");
        assertEquals("through-the-socket", props.getProperty("password"), "libpq matches a socket as localhost");
        assertFalse(Conninfo.parse("host=/tmp hostaddr=127.0.0.1").viaSocket(), "hostaddr wins, as in libpq");
    }

    @Test
    void aServiceGivesDefaultsThatTheStringOverrides() throws IOException {
        Path file = dir.resolve("services");
        Files.writeString(file, "# services\n[other]\nhost=elsewhere\n\n[pair]\nhost=db1\nport=5433\n"
                + "dbname=app\napplication_name=from-service\npassword=s3cret\n[after]\nhost=nope\n");
        Map<String, String> env = Map.of("PGSERVICEFILE", file.toString());
        Conninfo c = Conninfo.parse("service=pair port=6000", env);
        assertEquals("db1", c.host());
        assertEquals(6000, c.port(), "the string's own setting wins");
        assertEquals("app", c.dbname());
        assertEquals("s3cret", c.resolvePassword(Map.of()).orElseThrow());
        assertFalse(c.masked().contains("s3cret"), c.masked());
        assertEquals("from-service", c.jdbcProperties(Map.of()).getProperty("ApplicationName"),
                "libpq's key names, which the driver's own service parser refuses");
    }

    @Test
    void theSystemServiceFileIsReadWhenTheUsersHasNoSuchService() throws IOException {
        Path sysconf = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(sysconf.resolve("pg_service.conf"), "[pair]\nhost=db2\n");
        Conninfo c = Conninfo.parse("service=pair", Map.of("HOME", dir.toString(), "PGSYSCONFDIR", sysconf.toString()));
        assertEquals("db2", c.host());
    }

    @Test
    void aMissingServiceOrABadLineIsNamedWithoutShowingValues() throws IOException {
        Map<String, String> env = Map.of("HOME", dir.toString(), "PGSYSCONFDIR", dir.resolve("none").toString());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> Conninfo.parse("service=pair", env));
        assertEquals("service \"pair\" not found in " + dir.resolve(".pg_service.conf") + " or "
                + dir.resolve("none").resolve("pg_service.conf"), missing.getMessage());

        Path file = dir.resolve("bad");
        Files.writeString(file, "[pair]\nhost=db1\npasword=hunter2\n");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Conninfo.parse("service=pair", Map.of("PGSERVICEFILE", file.toString())));
        assertEquals(file + ":3: unknown connection option \"pasword\" in service \"pair\"", bad.getMessage());
        assertFalse(bad.getMessage().contains("hunter2"));
    }
}
