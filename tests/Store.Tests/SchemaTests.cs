using CompreFace.Grains.Storage;

namespace CompreFace.Store.Tests;

/// <summary>The schema definitions the one migration runner applies.</summary>
public sealed class SchemaTests
{
    [Fact]
    public void StorageSchemas_FaceAndAdminSteps_FormOneGaplessSequencePerDialect()
    {
        // Face, admin and webhook steps share one numbering; every helper's new step takes the next number.
        Assert.Equal(Enumerable.Range(1, StorageSchemas.Postgres.Steps.Count), StorageSchemas.Postgres.Steps.Select(s => s.Version));
        Assert.Equal(Enumerable.Range(1, StorageSchemas.Sqlite.Steps.Count), StorageSchemas.Sqlite.Steps.Select(s => s.Version));
        Assert.Contains(StorageSchemas.Sqlite.Steps, s => s.Description.StartsWith("webhooks:", StringComparison.Ordinal));
        Assert.Contains(StorageSchemas.Sqlite.Steps, s => s.Description.StartsWith("admin: security stamps", StringComparison.Ordinal));
        Assert.Equal([1], StorageSchemas.Orleans.Steps.Select(s => s.Version));
    }

    [Fact]
    public void StorageSchemas_BothDialects_DescribeTheSameSteps()
    {
        // Deployed databases record these descriptions; a step means the same change whichever dialect runs it.
        Assert.Equal(StorageSchemas.Postgres.Steps.Select(s => s.Description), StorageSchemas.Sqlite.Steps.Select(s => s.Description));
        Assert.Equal("cf_schema_version", StorageSchemas.Postgres.VersionTable);
        Assert.Equal("cf_schema_version", StorageSchemas.Sqlite.VersionTable);
        Assert.Equal("cf_orleans_schema_version", StorageSchemas.Orleans.VersionTable);
    }

    [Theory]
    [InlineData(new[] { 1, 3 })]
    [InlineData(new[] { 2 })]
    [InlineData(new[] { 1, 1 })]
    public void Schema_VersionsNotOneToN_Throws(int[] versions)
    {
        var steps = versions.Select(v => new SchemaStep(v, $"step {v}", "SELECT 1")).ToArray();

        Assert.Throws<ArgumentException>(() => new Schema("Test", StorageDialect.Sqlite, "t_version", steps));
    }
}
