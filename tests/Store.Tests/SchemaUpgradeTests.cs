using CompreFace.Grains.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CompreFace.Store.Tests;

/// <summary>Steps that change data a deployed database already holds, applied to a database at the step before them.</summary>
[RequiresPostgres]
public sealed class SchemaUpgradeTests
{
    /// <summary>The runner's advisory lock key; each test has a database of its own.</summary>
    private const long LockKey = 20261207;

    [StoreFact]
    public async Task Step12_HooksOfServicesDeletedEarlier_AreRemovedWithTheirDeliveries_OthersKept()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync("cf_upgrade");
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await ApplyStepsBeforeAsync(dataSource, 12);

        // A live service with a hook and a pending delivery, and a hook left behind by a service deleted before deleting a
        // service took its hooks along (with its delivery).
        var (app, service, kept, orphan) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await SeedAsync(dataSource, """
            INSERT INTO cf_app (app_id, name, api_key) VALUES (@app, 'app', gen_random_uuid());
            INSERT INTO cf_service (service_id, app_id, name, name_key, api_key, type) VALUES (@service, @app, 'svc', 'svc', gen_random_uuid(), 'R');
            INSERT INTO cf_webhook (hook_id, collection_id, url, secret, events, enabled)
                VALUES (@kept, @service, 'http://kept.example/hook', 'whsec_kept', ',face.added,', true),
                       (@orphan, gen_random_uuid(), 'http://gone.example/hook', 'whsec_gone', ',face.added,', true);
            INSERT INTO cf_webhook_outbox (event_id, hook_id, collection_id, event_type, created_at, next_attempt_at)
                SELECT gen_random_uuid(), hook_id, collection_id, 'face.added', 0, 0 FROM cf_webhook;
            """,
            ("app", app), ("service", service), ("kept", kept), ("orphan", orphan));
        await MigrationRunner.ApplyAsync(dataSource, StorageSchemas.Postgres, LockKey, NullLogger.Instance);

        Assert.Equal([kept], await IdsAsync(dataSource, "SELECT hook_id FROM cf_webhook"));
        Assert.Equal([kept], await IdsAsync(dataSource, "SELECT hook_id FROM cf_webhook_outbox"));
    }

    [StoreFact]
    public async Task Step13_CollectionsReembeddedEarlier_RecordTheirLatestCompletedTarget_WhereTheyStillHoldItsFaces()
    {
        await using var database = await PostgresServer.CreateDatabaseAsync("cf_upgrade");
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        await ApplyStepsBeforeAsync(dataSource, 13);

        // Switched twice (the later target counts), switched and then emptied (no record: it takes any model again), and
        // one whose re-embedding failed (never switched).
        var (twice, emptied, failed) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await SeedAsync(dataSource, """
            INSERT INTO cf_job (job_id, kind, service_id, state, created_at, finished_at, updated_at, detail) VALUES
                (gen_random_uuid(), 'reembed', @twice, 2, 1, 10, 10, 'dlib → mobilefacenet'),
                (gen_random_uuid(), 'reembed', @twice, 2, 20, 30, 30, 'mobilefacenet → arcface'),
                (gen_random_uuid(), 'reembed', @emptied, 2, 1, 10, 10, 'dlib → mobilefacenet'),
                (gen_random_uuid(), 'reembed', @failed, 3, 1, 10, 10, 'dlib → mobilefacenet');
            INSERT INTO cf_subject (subject_id, collection_id, name)
                SELECT gen_random_uuid(), c, 'Ann' FROM unnest(ARRAY[@twice, @failed]) AS c;
            INSERT INTO cf_face (image_id, collection_id, subject_id, shard, embedding, calculator)
                SELECT gen_random_uuid(), collection_id, subject_id, 0, '\x0000803f'::bytea,
                       CASE WHEN collection_id = @twice THEN 'arcface' ELSE 'dlib' END
                FROM cf_subject;
            """,
            ("twice", twice), ("emptied", emptied), ("failed", failed));
        await MigrationRunner.ApplyAsync(dataSource, StorageSchemas.Postgres, LockKey, NullLogger.Instance);

        Assert.Equal([twice], await IdsAsync(dataSource, "SELECT collection_id FROM cf_collection_model"));
        await using var model = dataSource.CreateCommand("SELECT calculator FROM cf_collection_model");
        Assert.Equal("arcface", await model.ExecuteScalarAsync());
    }

    /// <summary>Brings a fresh database to the version just before <paramref name="step"/>.</summary>
    private static Task<int> ApplyStepsBeforeAsync(NpgsqlDataSource dataSource, int step) =>
        MigrationRunner.ApplyAsync(
            dataSource, new Schema("CompreFace", StorageDialect.Postgres, "cf_schema_version", StorageSchemas.Postgres.Steps.Where(s => s.Version < step)), LockKey, NullLogger.Instance);

    /// <summary>Runs the statements that seed the data a step changes, with the ids they name.</summary>
    private static async Task SeedAsync(NpgsqlDataSource dataSource, string sql, params (string Name, Guid Value)[] ids)
    {
        await using var seed = dataSource.CreateCommand(sql);
        foreach (var (name, value) in ids)
        {
            seed.Parameters.Add(new NpgsqlParameter<Guid>(name, value));
        }

        await seed.ExecuteNonQueryAsync();
    }

    private static async Task<List<Guid>> IdsAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }
}
