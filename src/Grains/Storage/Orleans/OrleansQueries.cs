namespace CompreFace.Grains.Storage;

/// <summary>
/// The texts of the <c>orleansquery</c> rows that the Orleans 10.4.2 ADO.NET providers (invariant <c>Npgsql</c>) run,
/// written for this project's tables from Orleans' ADO.NET contract as docs/decisions/0010-orleans-adonet-schema.md records it. Each text is
/// one statement: the providers run it in autocommit without a transaction, so every compare-and-swap is a single
/// statement (data-modifying CTEs) and conflicts are signalled by zero rows or false, never by an error.
/// Parameters are the providers' names as <c>@Name</c>; result columns are quoted with the exact names they read.
/// </summary>
public static class OrleansQueries
{
    // ---- Clustering -------------------------------------------------------------------------------------------

    /// <summary>Creates the deployment's version row (counter 0) if absent; true only for the creator. Never fails on "exists".</summary>
    public const string InsertMembershipVersion = """
        WITH created AS (
            INSERT INTO cf_orleans_membership_version (deployment_id, version)
            VALUES (@DeploymentId, 0)
            ON CONFLICT (deployment_id) DO NOTHING
            RETURNING 1
        )
        SELECT count(*) > 0 FROM created
        """;

    private const string MemberColumns = """
        v.version         AS "Version",
        m.address         AS "Address",
        m.port            AS "Port",
        m.generation      AS "Generation",
        m.silo_name       AS "SiloName",
        m.host_name       AS "HostName",
        m.status          AS "Status",
        m.proxy_port      AS "ProxyPort",
        m.suspect_times   AS "SuspectTimes",
        m.start_time      AS "StartTime",
        m.i_am_alive_time AS "IAmAliveTime"
        """;

    /// <summary>Every member plus the table version, from one snapshot; one row with NULL member columns when there are none.</summary>
    public const string MembershipReadAll = $"""
        SELECT {MemberColumns}
        FROM cf_orleans_membership_version v
        LEFT JOIN cf_orleans_membership m ON m.deployment_id = v.deployment_id
        WHERE v.deployment_id = @DeploymentId
        """;

    /// <summary>One member plus the table version; the version-only row when the member is absent.</summary>
    public const string MembershipReadRow = $"""
        SELECT {MemberColumns}
        FROM cf_orleans_membership_version v
        LEFT JOIN cf_orleans_membership m
               ON m.deployment_id = v.deployment_id
              AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
        WHERE v.deployment_id = @DeploymentId
        """;

    /// <summary>
    /// Inserts the member only if the counter still equals @Version and the member is absent, and then bumps the
    /// counter to @Version + 1. The conditional UPDATE locks the version row, so a concurrent writer holding the same
    /// version blocks, re-checks the counter after the first commits, and fails cleanly (false, nothing changed).
    /// </summary>
    public const string InsertMembership = """
        WITH bumped AS (
            UPDATE cf_orleans_membership_version
               SET version = version + 1, changed_at = now()
             WHERE deployment_id = @DeploymentId
               AND version = @Version
               AND NOT EXISTS (
                   SELECT 1 FROM cf_orleans_membership
                    WHERE deployment_id = @DeploymentId
                      AND address = @Address AND port = @Port AND generation = @Generation)
            RETURNING deployment_id
        ), inserted AS (
            INSERT INTO cf_orleans_membership
                (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port,
                 suspect_times, start_time, i_am_alive_time)
            SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort,
                   NULL, @StartTime, @IAmAliveTime
              FROM bumped
            RETURNING 1
        )
        SELECT count(*) > 0 FROM inserted
        """;

    /// <summary>
    /// Overwrites Status and SuspectTimes (keeping the later IAmAliveTime) only if the counter still equals @Version and
    /// the member exists, and then bumps the counter. The member row is locked first (FOR UPDATE), then the version
    /// row: a member deleted meanwhile gives false with no bump. Every writer takes the version row last, so no deadlock.
    /// </summary>
    public const string UpdateMembership = """
        WITH member AS (
            SELECT 1 FROM cf_orleans_membership
             WHERE deployment_id = @DeploymentId
               AND address = @Address AND port = @Port AND generation = @Generation
               FOR UPDATE
        ), bumped AS (
            UPDATE cf_orleans_membership_version
               SET version = version + 1, changed_at = now()
             WHERE deployment_id = @DeploymentId
               AND version = @Version
               AND EXISTS (SELECT 1 FROM member)
            RETURNING deployment_id
        ), updated AS (
            UPDATE cf_orleans_membership m
               SET status = @Status,
                   suspect_times = @SuspectTimes,
                   i_am_alive_time = greatest(m.i_am_alive_time, @IAmAliveTime)
              FROM bumped b
             WHERE m.deployment_id = b.deployment_id
               AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
            RETURNING 1
        )
        SELECT count(*) > 0 FROM updated
        """;

    /// <summary>Heartbeat: moves IAmAliveTime forward only; never touches the version counter; a missing row is a no-op.</summary>
    public const string UpdateIAmAlivetime = """
        UPDATE cf_orleans_membership
           SET i_am_alive_time = greatest(i_am_alive_time, @IAmAliveTime)
         WHERE deployment_id = @DeploymentId
           AND address = @Address AND port = @Port AND generation = @Generation
        """;

    /// <summary>Gateways for clients: members with the requested status (Active) that have a gateway port.</summary>
    public const string Gateways = """
        SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
          FROM cf_orleans_membership
         WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0
        """;

    /// <summary>Deletes the deployment: the version row, and with it (ON DELETE CASCADE) every member row.</summary>
    public const string DeleteMembershipTableEntries = """
        DELETE FROM cf_orleans_membership_version WHERE deployment_id = @DeploymentId
        """;

    /// <summary>Legacy cleanup (used only without the per-row key): Dead (6) members last alive before the cutoff.</summary>
    public const string CleanupDefunctSiloEntries = """
        DELETE FROM cf_orleans_membership
         WHERE deployment_id = @DeploymentId
           AND status = 6
           AND i_am_alive_time < @IAmAliveTime
        """;

    /// <summary>Per-row cleanup: deletes the captured Dead row only if it is unchanged since the provider read it.</summary>
    public const string CleanupDefunctSiloEntry = """
        DELETE FROM cf_orleans_membership
         WHERE deployment_id = @DeploymentId
           AND address = @Address AND port = @Port AND generation = @Generation
           AND status = 6
           AND start_time = @StartTime
           AND i_am_alive_time = @IAmAliveTime
           AND coalesce(suspect_times, '') = coalesce(@SuspectTimes, '')
        """;

    // ---- Grain storage --------------------------------------------------------------------------------------

    // The identity is (service, state name, n0, n1, extension) with the extension compared NULL-safely. The OR form
    // folds to "= value" or "IS NULL" once the parameter is known, which the unique index can serve (IS NOT DISTINCT
    // FROM cannot use an index). The hash parameters are stored as an aid only and never filtered on.
    private const string StateIdentity = """
        service_id = @ServiceId
           AND grain_type = @GrainTypeString
           AND grain_id_n0 = @GrainIdN0
           AND grain_id_n1 = @GrainIdN1
           AND (grain_id_extension = @GrainIdExtensionString
                OR (grain_id_extension IS NULL AND @GrainIdExtensionString IS NULL))
        """;

    /// <summary>0 rows (no state) or 1 row with the payload (NULL after a clear) and the version.</summary>
    public const string ReadFromStorage = $"""
        SELECT payload AS "PayloadBinary", version AS "Version"
          FROM cf_orleans_storage
         WHERE {StateIdentity}
        """;

    /// <summary>
    /// ETag null: insert with version 1 if no row exists (a racing insert loses through ON CONFLICT DO NOTHING and
    /// gets zero rows). ETag set: compare-and-swap on the version. Zero rows means a conflict, which the provider
    /// raises as InconsistentStateException. The version wraps to 1 rather than overflow int4.
    /// </summary>
    public const string WriteToStorage = $"""
        WITH inserted AS (
            INSERT INTO cf_orleans_storage
                (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension,
                 grain_id_hash, grain_type_hash, payload, version)
            SELECT @ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
                   @GrainIdHash, @GrainTypeHash, @PayloadBinary, 1
             WHERE @GrainStateVersion IS NULL
            ON CONFLICT ON CONSTRAINT cf_orleans_storage_identity_key DO NOTHING
            RETURNING version
        ), updated AS (
            UPDATE cf_orleans_storage
               SET payload = @PayloadBinary,
                   version = CASE WHEN version = 2147483647 THEN 1 ELSE version + 1 END,
                   grain_id_hash = @GrainIdHash,
                   grain_type_hash = @GrainTypeHash,
                   modified_at = now()
             WHERE @GrainStateVersion IS NOT NULL
               AND version = @GrainStateVersion
               AND {StateIdentity}
            RETURNING version
        )
        SELECT version AS "NewGrainStateVersion" FROM inserted
        UNION ALL
        SELECT version FROM updated
        """;

    /// <summary>Clear without delete: keeps the row, payload NULL, version + 1; zero rows on a version mismatch.</summary>
    public const string ClearStorage = $"""
        UPDATE cf_orleans_storage
           SET payload = NULL,
               version = CASE WHEN version = 2147483647 THEN 1 ELSE version + 1 END,
               modified_at = now()
         WHERE version = @GrainStateVersion
           AND {StateIdentity}
        RETURNING version AS "Version"
        """;

    /// <summary>Clear with DeleteStateOnClear: deletes the row on a version match and returns a value different from it.</summary>
    public const string DeleteStorage = $"""
        DELETE FROM cf_orleans_storage
         WHERE version = @GrainStateVersion
           AND {StateIdentity}
        RETURNING CASE WHEN version = 2147483647 THEN 1 ELSE version + 1 END AS "Version"
        """;

    // ---- Reminders ------------------------------------------------------------------------------------------

    private const string ReminderColumns = """
        grain_id AS "GrainId", reminder_name AS "ReminderName", start_time AS "StartTime", period AS "Period", version AS "Version"
        """;

    /// <summary>Insert (version 0) or replace start, period and hash with a new version; returns the version.</summary>
    public const string UpsertReminderRow = """
        INSERT INTO cf_orleans_reminder AS r
            (service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
        VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
        ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
           SET start_time = excluded.start_time,
               period = excluded.period,
               grain_hash = excluded.grain_hash,
               version = CASE WHEN r.version = 2147483647 THEN 0 ELSE r.version + 1 END
        RETURNING r.version AS "Version"
        """;

    /// <summary>All reminders of one grain.</summary>
    public const string ReadReminderRows = $"""
        SELECT {ReminderColumns}
          FROM cf_orleans_reminder
         WHERE service_id = @ServiceId AND grain_id = @GrainId
        """;

    /// <summary>One reminder of one grain (0 or 1 row).</summary>
    public const string ReadReminderRow = $"""
        SELECT {ReminderColumns}
          FROM cf_orleans_reminder
         WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
        """;

    /// <summary>Hash range (begin, end] when begin &lt; end in signed order.</summary>
    public const string ReadRangeRows1 = $"""
        SELECT {ReminderColumns}
          FROM cf_orleans_reminder
         WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash
        """;

    /// <summary>Hash range that wraps in signed order (or begin = end, the whole ring).</summary>
    public const string ReadRangeRows2 = $"""
        SELECT {ReminderColumns}
          FROM cf_orleans_reminder
         WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)
        """;

    /// <summary>Deletes the reminder only at the expected version; one row, one column: whether it was deleted.</summary>
    public const string DeleteReminderRow = """
        WITH deleted AS (
            DELETE FROM cf_orleans_reminder
             WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
               AND version = @Version
            RETURNING 1
        )
        SELECT count(*) > 0 FROM deleted
        """;

    /// <summary>Deletes every reminder of the service (the providers' test-only clear).</summary>
    public const string DeleteReminderRows = """
        DELETE FROM cf_orleans_reminder WHERE service_id = @ServiceId
        """;

    /// <summary>The 21 keys (exact, case-sensitive spellings) and their texts, as the catalog holds them.</summary>
    public static IReadOnlyDictionary<string, string> All { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["InsertMembershipVersionKey"] = InsertMembershipVersion,
        ["MembershipReadAllKey"] = MembershipReadAll,
        ["MembershipReadRowKey"] = MembershipReadRow,
        ["InsertMembershipKey"] = InsertMembership,
        ["UpdateMembershipKey"] = UpdateMembership,
        ["UpdateIAmAlivetimeKey"] = UpdateIAmAlivetime,
        ["GatewaysQueryKey"] = Gateways,
        ["DeleteMembershipTableEntriesKey"] = DeleteMembershipTableEntries,
        ["CleanupDefunctSiloEntriesKey"] = CleanupDefunctSiloEntries,
        ["CleanupDefunctSiloEntryKey"] = CleanupDefunctSiloEntry,
        ["ReadFromStorageKey"] = ReadFromStorage,
        ["WriteToStorageKey"] = WriteToStorage,
        ["ClearStorageKey"] = ClearStorage,
        ["DeleteStorageKey"] = DeleteStorage,
        ["UpsertReminderRowKey"] = UpsertReminderRow,
        ["ReadReminderRowsKey"] = ReadReminderRows,
        ["ReadReminderRowKey"] = ReadReminderRow,
        ["ReadRangeRows1Key"] = ReadRangeRows1,
        ["ReadRangeRows2Key"] = ReadRangeRows2,
        ["DeleteReminderRowKey"] = DeleteReminderRow,
        ["DeleteReminderRowsKey"] = DeleteReminderRows,
    };
}
