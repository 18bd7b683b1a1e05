namespace Exp22.Workflows.Schema;

/// <summary>
/// The engine's schema, one entry per version. Entries are append-only: a released migration is never
/// edited, so every database reaches the same shape by replaying them in order.
/// </summary>
internal static class Migrations
{
    public static readonly IReadOnlyList<(int Version, string Description, string Sql)> All =
    [
        (1, "workflows, steps and executors", """
            CREATE TABLE exp22.workflows (
                id                  uuid PRIMARY KEY,
                run_id              uuid NOT NULL,
                parent_id           uuid REFERENCES exp22.workflows (id),
                child_seq           integer,
                name                text NOT NULL,
                queue               text NOT NULL,
                priority            integer NOT NULL DEFAULT 0,
                status              text NOT NULL
                    CHECK (status IN ('ENQUEUED', 'RUNNING', 'SUCCESS', 'ERROR', 'CANCELLED')),
                input               jsonb NOT NULL,
                output              jsonb,
                error               text,
                idempotency_key     text UNIQUE,
                executor_id         text,
                attempt             integer NOT NULL DEFAULT 0,
                waiting_for         uuid[],
                application_version text,
                created_at          timestamptz NOT NULL DEFAULT now(),
                started_at          timestamptz,
                claimed_at          timestamptz,
                completed_at        timestamptz,
                UNIQUE (parent_id, child_seq)
            );

            -- The claim scans only claimable rows, in the order it serves them. Rows keep their creation
            -- time when they return to the queue (wake-up, handover, recovery), so resumed work goes first.
            CREATE INDEX workflows_claimable ON exp22.workflows (queue, priority DESC, created_at, id)
                WHERE status = 'ENQUEUED';
            CREATE INDEX workflows_by_run ON exp22.workflows (run_id);
            CREATE INDEX workflows_running_by_executor ON exp22.workflows (executor_id)
                WHERE status = 'RUNNING';
            CREATE INDEX workflows_runs_newest_first ON exp22.workflows (created_at DESC)
                WHERE parent_id IS NULL;

            CREATE TABLE exp22.steps (
                workflow_id  uuid NOT NULL REFERENCES exp22.workflows (id) ON DELETE CASCADE,
                seq          integer NOT NULL,
                name         text NOT NULL,
                output       jsonb,
                error        text,
                executor_id  text NOT NULL,
                attempt      integer NOT NULL,
                tries        integer NOT NULL,
                started_at   timestamptz NOT NULL,
                completed_at timestamptz NOT NULL,
                PRIMARY KEY (workflow_id, seq)
            );

            CREATE TABLE exp22.executors (
                id                  text PRIMARY KEY,
                application_version text NOT NULL,
                state               text NOT NULL,
                started_at          timestamptz NOT NULL DEFAULT now(),
                heartbeat_at        timestamptz NOT NULL DEFAULT now()
            );
            """),
        (2, "trace context of each workflow", """
            -- The W3C trace context a workflow continues: the client's span for a run, the parent's
            -- execution span for a child. Text, as carried in the traceparent/tracestate headers.
            ALTER TABLE exp22.workflows
                ADD COLUMN trace_parent text,
                ADD COLUMN trace_state  text;
            """),
        (3, "crash recoveries of each workflow and the MAX_RECOVERY_EXCEEDED status", """
            -- A crash recovery: a workflow taken from an executor that died holding it (by a survivor's
            -- heartbeat, or by the executor's next process under the same id). A drain's handover and a
            -- release after a database error are not crashes and do not count.
            -- recoveries: all of them. recoveries_without_progress: those in a row with no new checkpoint or
            -- child in between (recovery_progress: its checkpoints + children at the last one); this is what
            -- Workflows:MaxRecoveryAttempts caps, so a healthy long workflow caught by unrelated crashes,
            -- which moves on between them, is never capped. recovered_from / recovered_at: the last one.
            ALTER TABLE exp22.workflows
                ADD COLUMN recoveries                  integer NOT NULL DEFAULT 0,
                ADD COLUMN recoveries_without_progress integer NOT NULL DEFAULT 0,
                ADD COLUMN recovery_progress           integer NOT NULL DEFAULT 0,
                ADD COLUMN recovered_from              text,
                ADD COLUMN recovered_at                timestamptz,
                DROP CONSTRAINT workflows_status_check,
                ADD CONSTRAINT workflows_status_check CHECK (status IN
                    ('ENQUEUED', 'RUNNING', 'SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_EXCEEDED'));

            -- Suspects (recovered with no progress since) are claimed one at a time, from this index; it
            -- holds only the few rows a crash just put back.
            CREATE INDEX workflows_claimable_suspects ON exp22.workflows (queue, priority DESC, created_at, id)
                WHERE status = 'ENQUEUED' AND recoveries_without_progress > 0;
            """),
        (4, "what the workflows dashboard reads: executors' drains and work in flight, interruptions, full errors", """
            -- Each executor describes itself on every heartbeat, so that any process can show the fleet
            -- from the database alone. A drain keeps its start and deadline; a clean exit keeps the row
            -- (state 'stopped') for a while instead of deleting it, so the drain's end stays visible.
            ALTER TABLE exp22.executors
                ADD COLUMN concurrency       integer,
                ADD COLUMN queues            text[],
                ADD COLUMN heartbeat_timeout interval,
                ADD COLUMN drain_started_at  timestamptz,
                ADD COLUMN drain_deadline    timestamptz,
                ADD COLUMN stopped_at        timestamptz,
                ADD COLUMN in_flight         jsonb NOT NULL DEFAULT '[]',
                ADD COLUMN in_flight_count   integer NOT NULL DEFAULT 0;

            -- The whole exception (type, message, stack trace, inner exceptions) beside the one-line
            -- summary in error, which the API serves and replay rethrows.
            ALTER TABLE exp22.workflows ADD COLUMN error_detail text;
            ALTER TABLE exp22.steps ADD COLUMN error_detail text;

            -- An attempt that ended without the workflow finishing or parking: handed back by a drain,
            -- recovered from a silent executor, taken back by a restart under the same id, or released
            -- after a database failure. The next attempt's executor is the other side of the handover.
            CREATE TABLE exp22.workflow_interruptions (
                workflow_id  uuid NOT NULL REFERENCES exp22.workflows (id) ON DELETE CASCADE,
                attempt      integer NOT NULL,
                executor_id  text NOT NULL,
                reason       text NOT NULL CHECK (reason IN ('handover', 'recovery', 'restart', 'release')),
                at           timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (workflow_id, attempt)
            );

            -- Workflows finished per second: a row enters this index once, when it finishes (no update
            -- before that matches the predicate), so the claim and step paths do not maintain it.
            CREATE INDEX workflows_finished ON exp22.workflows (completed_at)
                WHERE status IN ('SUCCESS', 'ERROR', 'CANCELLED', 'MAX_RECOVERY_EXCEEDED');
            """),
        (5, "durable timers, messages and events", """
            -- A parked workflow that waits for a time (a sleep, or a receive's timeout) is ENQUEUED with
            -- not_before in the future: the claim passes over it until then, and it holds no slot.
            -- waiting_topic: the topic a parked receive waits on; a send to it clears not_before.
            ALTER TABLE exp22.workflows
                ADD COLUMN not_before timestamptz,
                ADD COLUMN waiting_topic text;

            -- Messages sent to a workflow, consumed in order per topic. A consumed message keeps its row
            -- (consumed_seq: the position of the receive that took it), so a resend with the same key
            -- stays a duplicate after delivery.
            CREATE TABLE exp22.messages (
                id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                workflow_id     uuid NOT NULL REFERENCES exp22.workflows (id) ON DELETE CASCADE,
                topic           text NOT NULL,
                payload         jsonb NOT NULL,
                idempotency_key text,
                created_at      timestamptz NOT NULL DEFAULT now(),
                consumed_seq    integer,
                UNIQUE (workflow_id, idempotency_key)
            );
            CREATE INDEX messages_unconsumed ON exp22.messages (workflow_id, topic, id) WHERE consumed_seq IS NULL;

            -- The latest value of each event a workflow published, readable from outside while it runs.
            CREATE TABLE exp22.workflow_events (
                workflow_id uuid NOT NULL REFERENCES exp22.workflows (id) ON DELETE CASCADE,
                key         text NOT NULL,
                value       jsonb NOT NULL,
                updated_at  timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (workflow_id, key)
            );
            """),
        (6, "deadlines of runs", """
            -- When a run (a root workflow) must be over: executors' heartbeats cancel it and its descendants
            -- once it has passed, on the database clock, whichever executors are alive by then.
            ALTER TABLE exp22.workflows ADD COLUMN deadline timestamptz;
            CREATE INDEX workflows_deadlines ON exp22.workflows (deadline)
                WHERE deadline IS NOT NULL AND status IN ('ENQUEUED', 'RUNNING');
            """),
        (7, "queue limits: definitions, partition keys, rate-limit start log", """
            -- Queues with limits that hold across executors. Executors write their definitions here at start
            -- and claim with what the table says, so every executor spends the same budget.
            CREATE TABLE exp22.queues (
                name                 text PRIMARY KEY,
                global_concurrency   integer CHECK (global_concurrency > 0),
                executor_concurrency integer CHECK (executor_concurrency > 0),
                rate_limit           integer CHECK (rate_limit > 0),
                rate_period          interval CHECK (rate_period > interval '0'),
                partitioned          boolean NOT NULL DEFAULT false,
                updated_at           timestamptz NOT NULL DEFAULT now(),
                CHECK ((rate_limit IS NULL) = (rate_period IS NULL))
            );

            -- The key a partitioned queue's limits apply to; children inherit their parent's.
            ALTER TABLE exp22.workflows ADD COLUMN partition_key text;
            CREATE INDEX workflows_claimable_partitions ON exp22.workflows (queue, partition_key)
                WHERE status = 'ENQUEUED' AND partition_key IS NOT NULL;

            -- First starts of rate-limited queues only, written by their claim under the queue's lock and
            -- trimmed by it once older than the period ('' is the whole queue, or a NULL partition key).
            CREATE TABLE exp22.queue_starts (
                queue         text NOT NULL,
                partition_key text NOT NULL,
                started_at    timestamptz NOT NULL
            );
            CREATE INDEX queue_starts_window ON exp22.queue_starts (queue, partition_key, started_at);
            """),
        (8, "delayed workflows and cron schedules", """
            -- A delayed enqueue or a schedule's tick uses not_before (migration 5): the claim passes
            -- over the run until then.
            -- Cron schedules. next_fire_at is the next tick not yet fired; the ticker that fires it
            -- moves it on under the row's lock, and every tick's run carries the idempotency key
            -- 'schedule:<name>:<tick>', so each tick starts at most one run whoever fires it.
            CREATE TABLE exp22.schedules (
                name          text PRIMARY KEY,
                cron          text NOT NULL,
                time_zone     text NOT NULL DEFAULT 'UTC',
                workflow_name text NOT NULL,
                input         jsonb NOT NULL,
                queue         text NOT NULL,
                backfill      boolean NOT NULL DEFAULT false,
                paused        boolean NOT NULL DEFAULT false,
                next_fire_at  timestamptz,
                last_fired_at timestamptz,
                created_at    timestamptz NOT NULL DEFAULT now()
            );
            CREATE INDEX schedules_due ON exp22.schedules (next_fire_at) WHERE NOT paused;
            """),
        (9, "each executor's unbroken run of heartbeats", """
            -- When this executor's current run of heartbeats began: a beat later than the heartbeat timeout
            -- after the previous one (an outage, a pause) starts a new run. Recovery of others needs a run at
            -- least one timeout long (ExecutorHeartbeat).
            ALTER TABLE exp22.executors ADD COLUMN beating_since timestamptz NOT NULL DEFAULT now();
            """),
        (10, "ready and sleeping rows of the queue apart", """
            -- The plain claim reads ready rows (no not_before) in the order it serves them, and due sleepers
            -- (not_before passed) in the order they fall due, each from an index that holds only those rows:
            -- in workflows_claimable every claim stepped over every sleeping or delayed row ahead of the first
            -- ready one, fetching each from the heap. workflows_claimable stays for the queue-limited claim and
            -- for counts of queued rows.
            CREATE INDEX workflows_ready ON exp22.workflows (queue, priority DESC, created_at, id)
                WHERE status = 'ENQUEUED' AND not_before IS NULL AND recoveries_without_progress = 0;
            CREATE INDEX workflows_sleeping ON exp22.workflows (queue, not_before)
                WHERE status = 'ENQUEUED' AND not_before IS NOT NULL;
            """),
        (11, "version-aware claiming: the application version that must run each workflow", """
            -- workflows.application_version was the version of the executor that last claimed the row; from
            -- here on it is the version that must run it, stamped at enqueue (children inherit their parent's)
            -- and matched by every claim. Unfinished rows are unpinned (NULL), so that the first executor of
            -- this release adopts them instead of leaving them to a version nobody runs any more; a heartbeat
            -- adopts unpinned rows (ExecutorHeartbeat), and an enqueue stamps NULL only while no executor has
            -- ever registered.
            UPDATE exp22.workflows SET application_version = NULL WHERE status IN ('ENQUEUED', 'RUNNING');

            -- The claims read one version of one queue: the version is an equality prefix right after the
            -- queue, so each claim stays one ordered range scan of the claimable rows of its own version.
            DROP INDEX exp22.workflows_ready;
            CREATE INDEX workflows_ready ON exp22.workflows (queue, application_version, priority DESC, created_at, id)
                WHERE status = 'ENQUEUED' AND not_before IS NULL AND recoveries_without_progress = 0;
            DROP INDEX exp22.workflows_sleeping;
            CREATE INDEX workflows_sleeping ON exp22.workflows (queue, application_version, not_before)
                WHERE status = 'ENQUEUED' AND not_before IS NOT NULL;
            DROP INDEX exp22.workflows_claimable;
            CREATE INDEX workflows_claimable ON exp22.workflows (queue, application_version, priority DESC, created_at, id)
                WHERE status = 'ENQUEUED';
            DROP INDEX exp22.workflows_claimable_suspects;
            CREATE INDEX workflows_claimable_suspects ON exp22.workflows (queue, application_version, priority DESC, created_at, id)
                WHERE status = 'ENQUEUED' AND recoveries_without_progress > 0;
            DROP INDEX exp22.workflows_claimable_partitions;
            CREATE INDEX workflows_claimable_partitions ON exp22.workflows (queue, application_version, partition_key)
                WHERE status = 'ENQUEUED' AND partition_key IS NOT NULL;

            -- What the heartbeats adopt: empty but for the upgrade and an enqueue before any executor registered.
            CREATE INDEX workflows_unpinned ON exp22.workflows (id)
                WHERE application_version IS NULL AND status IN ('ENQUEUED', 'RUNNING');
            """),
    ];
}
