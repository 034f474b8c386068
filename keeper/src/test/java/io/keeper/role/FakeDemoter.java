package io.keeper.role;

/** Demotes a FakeLocalServer the way io.keeper.rejoin.Demotion demotes a real one: a standby marked with the reason. */
final class FakeDemoter implements Demoter {

    private final FakeLocalServer server;
    int stops;
    int demotions;
    int cleanDemotions;

    FakeDemoter(FakeLocalServer server) {
        this.server = server;
    }

    @Override
    public String stopNow() {
        stops++;
        server.reachable = false;
        return null;
    }

    @Override
    public String demote(String reason) {
        demotions++;
        server.reachable = true;
        server.inRecovery = true;
        server.fenced = reason;
        return null;
    }

    @Override
    public String demoteCleanly(String reason) {
        cleanDemotions++;
        server.reachable = true;
        server.inRecovery = true;
        server.fenced = reason;
        server.receivedLsn = FakeLocalServer.lsn(server.walLsn);
        return null;
    }
}
