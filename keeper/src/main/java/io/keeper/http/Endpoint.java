package io.keeper.http;

import io.keeper.role.KeeperStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The status server's endpoints, each carrying the rule that turns keeper's status into an HTTP answer. */
enum Endpoint {

    /** 200 only on the rightful primary: reachable, out of recovery, not fenced, not superseded. */
    PRIMARY("/primary", "rightfulPrimary") {
        @Override
        boolean passes(KeeperStatus s) {
            return s.isRightfulPrimary();
        }

        @Override
        String whyNot(KeeperStatus s) {
            if (!s.localReachable()) {
                return LOCAL_UNREACHABLE;
            }
            if (!"primary".equals(s.role())) {
                return "local server is a " + s.role();
            }
            if (!s.fenced().isEmpty()) {
                return "local server is fenced: " + s.fenced();
            }
            return s.superseded() ? "superseded: the partner is the rightful primary" : "not the rightful primary";
        }
    },

    /** 200 on a standby whose WAL receiver is streaming from its primary. */
    REPLICA("/replica", "healthyReplica") {
        @Override
        boolean passes(KeeperStatus s) {
            return s.isHealthyReplica();
        }

        @Override
        String whyNot(KeeperStatus s) {
            if (!s.localReachable()) {
                return LOCAL_UNREACHABLE;
            }
            return "standby".equals(s.role()) ? "WAL receiver is not streaming" : "local server is a " + s.role();
        }
    },

    /** 200 while keeper's heartbeat runs and the local server answers, whatever its role. */
    HEALTH("/health", "healthy") {
        @Override
        boolean passes(KeeperStatus s) {
            return s.localReachable();
        }

        @Override
        String whyNot(KeeperStatus s) {
            return LOCAL_UNREACHABLE;
        }
    },

    /** 200 with everything keeper knows, stale or not, for humans and monitoring. */
    STATUS("/status", null) {
        @Override
        Answer answer(KeeperStatus s, Instant now, Duration staleAfter) {
            if (s == null) {
                return new Answer(503, Map.of("reason", NO_STATUS));
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("nodeName", s.nodeName());
            body.put("role", s.role());
            body.put("rightfulPrimary", s.isRightfulPrimary());
            body.put("healthyReplica", s.isHealthyReplica());
            body.put("localReachable", s.localReachable());
            body.put("fenced", s.fenced());
            body.put("superseded", s.superseded());
            body.put("walReceiverStreaming", s.walReceiverStreaming());
            body.put("timeline", s.timeline());
            body.put("lsn", s.lsn());
            body.put("partnerAddress", s.partnerAddress());
            body.put("partnerState", s.partnerState());
            body.put("witnessState", s.witnessState());
            body.put("arbiter", s.arbiter());
            body.put("consecutiveFailures", s.consecutiveFailures());
            body.put("keepaliveCount", s.keepaliveCount());
            body.put("lastDecision", s.lastDecision());
            body.put("lastReason", s.lastReason());
            body.put("lease", s.lease());
            body.put("term", s.term());
            body.put("leaseValid", s.leaseValid());
            body.put("rule", s.rule());
            body.put("paused", s.paused());
            body.put("updatedAt", String.valueOf(s.updatedAt()));
            body.put("ageMs", age(s, now).toMillis());
            body.put("stale", isStale(s, now, staleAfter));
            return new Answer(200, body);
        }
    };

    static final String STALE = "keeper heartbeat is stale";
    static final String NO_STATUS = "keeper has no status yet";
    static final String LOCAL_UNREACHABLE = "local server is not reachable";

    /** An HTTP status code and the JSON object to send with it. */
    record Answer(int code, Map<String, Object> body) {
    }

    private final String path;
    private final String flag;

    Endpoint(String path, String flag) {
        this.path = path;
        this.flag = flag;
    }

    String path() {
        return path;
    }

    static Optional<Endpoint> forPath(String path) {
        return Arrays.stream(values()).filter(e -> e.path.equals(path)).findFirst();
    }

    /** Whether a fresh status passes this check; only the checks (not STATUS) use it. */
    boolean passes(KeeperStatus s) {
        throw new UnsupportedOperationException(name());
    }

    /** Why a fresh status does not pass, in a few words. */
    String whyNot(KeeperStatus s) {
        throw new UnsupportedOperationException(name());
    }

    /** The answer for a check: 200 when the status is fresh and passes, else 503 with the reason. */
    Answer answer(KeeperStatus s, Instant now, Duration staleAfter) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("role", s == null ? "unknown" : s.role());
        String reason;
        if (s == null) {
            reason = NO_STATUS;
        } else if (isStale(s, now, staleAfter)) {
            reason = STALE;
            body.put("updatedAt", String.valueOf(s.updatedAt()));
        } else {
            reason = passes(s) ? null : whyNot(s);
        }
        body.put(flag, reason == null);
        if (reason != null) {
            body.put("reason", reason);
        }
        return new Answer(reason == null ? 200 : 503, body);
    }

    static Duration age(KeeperStatus s, Instant now) {
        return s.updatedAt() == null ? Duration.ZERO : Duration.between(s.updatedAt(), now);
    }

    /** A status not refreshed within staleAfter means the heartbeat is stuck, so no check may pass on it. */
    static boolean isStale(KeeperStatus s, Instant now, Duration staleAfter) {
        return s.updatedAt() == null || age(s, now).compareTo(staleAfter) > 0;
    }
}
