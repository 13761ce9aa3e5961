namespace CompreFace.Grains.Storage;

/// <summary>
/// One step of a store's schema. Steps are applied in <see cref="Version"/> order, each exactly once, and recorded in
/// the store's <c>cf_schema_version</c> table. A released step is never edited: a change is a new step.
/// </summary>
/// <param name="Version">1, 2, 3… without gaps.</param>
/// <param name="Description">What the step does, stored beside the version.</param>
/// <param name="Sql">The DDL; it runs inside the migration transaction.</param>
internal sealed record Migration(int Version, string Description, string Sql);
