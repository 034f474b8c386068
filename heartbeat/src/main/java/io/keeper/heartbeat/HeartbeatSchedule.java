package io.keeper.heartbeat;

import java.time.Duration;
import java.util.Properties;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.InterruptableJob;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the heartbeat every keepalive_time on a Quartz scheduler with an in-memory job store.
 * Runs never overlap; a run that is missed while the previous one overran is skipped, not queued,
 * so a frozen process does not fire a burst of catch-up probes when it wakes.
 */
public final class HeartbeatSchedule implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HeartbeatSchedule.class);
    private static final JobKey JOB = JobKey.jobKey("heartbeat", "keeper");
    private static final TriggerKey TRIGGER = TriggerKey.triggerKey("heartbeat", "keeper");

    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final Scheduler scheduler;
    private final Runnable tick;
    private boolean closed;

    public HeartbeatSchedule(String name, Duration interval, Runnable tick) throws SchedulerException {
        this.tick = tick;
        Properties props = new Properties();
        props.setProperty("org.quartz.scheduler.instanceName", "keeper-" + name);
        props.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        props.setProperty("org.quartz.scheduler.makeSchedulerThreadDaemon", "true");
        props.setProperty("org.quartz.scheduler.interruptJobsOnShutdown", "true");
        props.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
        props.setProperty("org.quartz.threadPool.threadCount", "1");
        props.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
        props.setProperty("org.quartz.threadPool.threadNamePrefix", "heartbeat");
        props.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        props.setProperty("org.quartz.jobStore.misfireThreshold", String.valueOf(misfireThreshold(interval)));
        this.scheduler = new StdSchedulerFactory(props).getScheduler();
    }

    /** A run later than half an interval is a misfire: skipped rather than fired late. */
    static long misfireThreshold(Duration interval) {
        return Math.max(50, interval.toMillis() / 2);
    }

    public synchronized void start(Duration interval) throws SchedulerException {
        JobDataMap data = new JobDataMap();
        data.put("tick", tick);
        JobDetail job = JobBuilder.newJob(HeartbeatJob.class).withIdentity(JOB).usingJobData(data).build();
        scheduler.scheduleJob(job, trigger(interval));
        scheduler.start();
    }

    /** Applies a new keepalive_time at once (after a reload). */
    public synchronized void reschedule(Duration interval) throws SchedulerException {
        scheduler.rescheduleJob(TRIGGER, trigger(interval));
    }

    private static Trigger trigger(Duration interval) {
        return TriggerBuilder.newTrigger().withIdentity(TRIGGER).forJob(JOB).startNow()
                .withSchedule(SimpleScheduleBuilder.simpleSchedule()
                        .withIntervalInMilliseconds(interval.toMillis())
                        .repeatForever()
                        .withMisfireHandlingInstructionNextWithRemainingCount())
                .build();
    }

    /** Stops the schedule, interrupts a running heartbeat and waits for it at most CLOSE_WAIT. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            scheduler.pauseAll();
            scheduler.interrupt(JOB);
            scheduler.shutdown(false);
            long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
            while (!scheduler.getCurrentlyExecutingJobs().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } catch (SchedulerException e) {
            LOG.warn("Stopping the heartbeat schedule failed: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The Quartz job: one heartbeat run; its failure is logged and the schedule goes on. */
    @DisallowConcurrentExecution
    public static final class HeartbeatJob implements InterruptableJob {
        private volatile Thread runner;

        @Override
        public void execute(JobExecutionContext context) {
            runner = Thread.currentThread();
            try {
                ((Runnable) context.getMergedJobDataMap().get("tick")).run();
            } catch (RuntimeException e) {
                LOG.error("Heartbeat run failed; the schedule goes on", e);
            } finally {
                runner = null;
                Thread.interrupted();
            }
        }

        @Override
        public void interrupt() {
            Thread t = runner;
            if (t != null) {
                t.interrupt();
            }
        }
    }
}
