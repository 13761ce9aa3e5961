using System.Reflection;
using CompreFace.WebApi.Http;
using Orleans.Runtime.Messaging;
using CompreFace.Grains.Interfaces;

namespace CompreFace.WebApi.Tests;

/// <summary>
/// Which failed grain calls the HTTP tier sends again (docs/decisions/0014): a read or a pure computation after any
/// transient failure (an add too: it carries its image id and is idempotent); another write only when the failure
/// proves the grain never ran it.
/// </summary>
public sealed class GrainCallRetryTests
{
    private static readonly MethodInfo Search = typeof(IFaceCollectionGrain).GetMethod(nameof(IFaceCollectionGrain.SearchAsync))!;
    private static readonly MethodInfo Analyze = typeof(IFaceAnalyzerGrain).GetMethod(nameof(IFaceAnalyzerGrain.AnalyzeAsync))!;
    private static readonly MethodInfo KeyLookup = typeof(IApiKeyGrain).GetMethod(nameof(IApiKeyGrain.GetServiceAsync))!;
    private static readonly MethodInfo Add = typeof(IFaceCollectionGrain).GetMethod(nameof(IFaceCollectionGrain.AddFaceAsync))!;
    private static readonly MethodInfo Delete = typeof(IFaceCollectionGrain).GetMethod(nameof(IFaceCollectionGrain.DeleteFacesAsync))!;
    private static readonly MethodInfo Rename = typeof(ISubjectCatalogGrain).GetMethod(nameof(ISubjectCatalogGrain.RenameSubjectAsync))!;

    public static TheoryData<string, Exception, bool> ReadCases => new()
    {
        { "silo declared dead", new SiloUnavailableException(), true },
        { "rejected", Rejection(), true },
        { "no connection", new ConnectionFailedException("refused"), true },
        { "response timeout", new TimeoutException(), true },
        { "database down", new StoreUnavailableException(), true },
        { "wrapped", new AggregateException(new SiloUnavailableException()), true },
        { "a bug", new InvalidOperationException(), false },
    };

    public static TheoryData<string, Exception, bool> WriteCases => new()
    {
        // The delete may have run before the silo died or the answer was lost: the client decides, not us.
        { "silo declared dead", new SiloUnavailableException(), false },
        { "response timeout", new TimeoutException(), false },
        { "database down", new StoreUnavailableException(), false },

        // Never delivered: no connection was opened, or the message was refused before any grain saw it.
        { "no connection", new ConnectionFailedException("refused"), true },
        { "rejected", Rejection(), true },
        { "a bug", new InvalidOperationException(), false },
    };

    /// <summary>A plain rejection (its constructors are internal to Orleans, which raises it on a refused message).</summary>
    private static OrleansMessageRejectionException Rejection() =>
        (OrleansMessageRejectionException)Activator.CreateInstance(
            typeof(OrleansMessageRejectionException), BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public, null, ["rejected"], null)!;

    [Theory]
    [MemberData(nameof(ReadCases))]
    public void MayRetry_ReadOnlyOrRetrySafeCall_RetriesEveryTransientFailure(string scenario, Exception failure, bool expected)
    {
        // An add is retry-safe because it carries its image id (idempotent), like the reads.
        Assert.True(GrainCallRetryFilter.MayRetry(Add, failure) == expected, scenario);
        Assert.True(GrainCallRetryFilter.MayRetry(Search, failure) == expected, scenario);
        Assert.True(GrainCallRetryFilter.MayRetry(Analyze, failure) == expected, scenario);
        Assert.True(GrainCallRetryFilter.MayRetry(KeyLookup, failure) == expected, scenario);
    }

    [Theory]
    [MemberData(nameof(WriteCases))]
    public void MayRetry_DeleteOrRename_RetriesOnlyWhenNeverDelivered(string scenario, Exception failure, bool expected)
    {
        Assert.True(GrainCallRetryFilter.MayRetry(Delete, failure) == expected, scenario);
        Assert.True(GrainCallRetryFilter.MayRetry(Rename, failure) == expected, scenario);
    }
}
