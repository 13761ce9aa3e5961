namespace CompreFace.Grains.Storage;

/// <summary>
/// The tables of Orleans' ADO.NET providers (clustering, grain storage, reminders) as schema steps, written from the
/// providers' contract (docs/decisions/0010-orleans-adonet-schema.md). PostgreSQL only; versioned in
/// <c>cf_orleans_schema_version</c>, apart from the face and admin tables.
/// </summary>
public static class OrleansSteps
{
    /// <summary>PostgreSQL.</summary>
    public static IReadOnlyList<SchemaStep> Postgres { get; } =
    [
        new(1, "Orleans query catalog, membership, grain state and reminder tables", """
            -- Read by the providers with an unquoted "SELECT QueryKey, QueryText FROM OrleansQuery": lower-case names.
            CREATE TABLE orleansquery (
                querykey  text PRIMARY KEY,
                querytext text NOT NULL
            );

            -- One membership table version (the ETag) per deployment (ClusterOptions.ClusterId).
            CREATE TABLE cf_orleans_membership_version (
                deployment_id text        PRIMARY KEY,
                version       integer     NOT NULL DEFAULT 0 CHECK (version >= 0),
                changed_at    timestamptz NOT NULL DEFAULT now()
            );

            CREATE TABLE cf_orleans_membership (
                deployment_id   text        NOT NULL
                                REFERENCES cf_orleans_membership_version (deployment_id) ON DELETE CASCADE,
                address         text        NOT NULL,
                port            integer     NOT NULL,
                generation      integer     NOT NULL,
                silo_name       text        NOT NULL,
                host_name       text        NOT NULL,
                status          integer     NOT NULL,
                proxy_port      integer     NOT NULL,
                suspect_times   text,
                start_time      timestamptz NOT NULL,
                i_am_alive_time timestamptz NOT NULL,
                PRIMARY KEY (deployment_id, address, port, generation)
            );

            -- Grain state. Identity: (service, state name, n0, n1, extension); NULLS NOT DISTINCT (PostgreSQL >= 15)
            -- makes a NULL extension one identity, so concurrent first writes have exactly one winner.
            CREATE TABLE cf_orleans_storage (
                service_id         text        NOT NULL,
                grain_type         text        NOT NULL,
                grain_id_n0        bigint      NOT NULL,
                grain_id_n1        bigint      NOT NULL,
                grain_id_extension text,
                grain_id_hash      integer     NOT NULL,
                grain_type_hash    integer     NOT NULL,
                payload            bytea,
                version            integer     NOT NULL,
                modified_at        timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT cf_orleans_storage_identity_key
                    UNIQUE NULLS NOT DISTINCT (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
            );

            CREATE TABLE cf_orleans_reminder (
                service_id    text        NOT NULL,
                grain_id      text        NOT NULL,
                reminder_name text        NOT NULL,
                start_time    timestamptz NOT NULL,
                period        bigint      NOT NULL,
                -- GrainId.GetUniformHashCode() as the same signed int4 the provider binds (range reads compare signed).
                grain_hash    integer     NOT NULL,
                version       integer     NOT NULL,
                PRIMARY KEY (service_id, grain_id, reminder_name)
            );
            CREATE INDEX cf_orleans_reminder_hash_idx ON cf_orleans_reminder (service_id, grain_hash);
            """),
    ];
}
