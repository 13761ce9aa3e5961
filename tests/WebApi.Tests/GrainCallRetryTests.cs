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

/// <summary>
/// The retry loop itself, on a clock that only the filter's own waits move: a read that fails while a dead silo is
/// being declared dead rides through as a slower answer; one that keeps failing gives up once the budget is spent
/// (docs/decisions/0026).
/// </summary>
public sealed class GrainCallRetryBudgetTests
{
    [Fact]
    public async Task Invoke_ReadFailingForTwoSeconds_AnswersAfterRetries()
    {
        var time = new SteppingClock();
        var call = FakeCall.Create(time, failFor: TimeSpan.FromSeconds(2));

        await Filter(time, new NodeOptions()).Invoke(call);

        var fake = (FakeCall)(object)call;
        Assert.True(fake.Attempts > 5, $"{fake.Attempts} attempts");
        Assert.Equal(fake.Attempts - 1, fake.FailedAttempts);
        Assert.InRange(time.GetUtcNow() - fake.Start, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2.4));
    }

    [Fact]
    public async Task Invoke_ReadFailingLongerThanTheBudget_FailsOnceTheBudgetIsSpent()
    {
        var time = new SteppingClock();
        var call = FakeCall.Create(time, failFor: TimeSpan.FromMinutes(5));
        var filter = Filter(time, new NodeOptions { GrainCallRetryBudget = TimeSpan.FromSeconds(3) });

        await Assert.ThrowsAsync<SiloUnavailableException>(() => filter.Invoke(call));

        var spent = time.GetUtcNow() - ((FakeCall)(object)call).Start;
        Assert.InRange(spent, TimeSpan.FromSeconds(2.6), TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Invoke_DeleteAfterSiloDeath_IsNotRetried()
    {
        var time = new SteppingClock();
        var call = FakeCall.Create(time, failFor: TimeSpan.FromSeconds(1), method: typeof(IFaceCollectionGrain).GetMethod(nameof(IFaceCollectionGrain.DeleteFacesAsync))!);

        await Assert.ThrowsAsync<SiloUnavailableException>(() => Filter(time, new NodeOptions()).Invoke(call));
        Assert.Equal(1, ((FakeCall)(object)call).Attempts);
    }

    private static GrainCallRetryFilter Filter(TimeProvider time, NodeOptions options) =>
        new(Microsoft.Extensions.Options.Options.Create(options), time, Microsoft.Extensions.Logging.Abstractions.NullLogger<GrainCallRetryFilter>.Instance);

    /// <summary>
    /// A clock that stands still except when a timer is started: the timer's due time passes at once and it fires. So
    /// the filter's waits take no real time and the clock reads exactly the sum of them, whatever the machine's load.
    /// </summary>
    private sealed class SteppingClock : TimeProvider
    {
        private long _ticks = DateTimeOffset.UnixEpoch.Ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public override long GetTimestamp() => Interlocked.Read(ref _ticks);

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Add(ref _ticks, dueTime.Ticks);
            ThreadPool.QueueUserWorkItem(_ => callback(state));
            return new Fired();
        }

        private sealed class Fired : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => false;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }

    /// <summary>An outgoing call from the HTTP tier whose target throws <see cref="SiloUnavailableException"/> for a while.</summary>
    public class FakeCall : DispatchProxy
    {
        public TimeProvider Time { get; private set; } = TimeProvider.System;

        public DateTimeOffset Start { get; private set; }

        public TimeSpan FailFor { get; private set; }

        public MethodInfo Method { get; private set; } = null!;

        public int Attempts { get; private set; }

        public int FailedAttempts { get; private set; }

        public static IOutgoingGrainCallContext Create(TimeProvider time, TimeSpan failFor, MethodInfo? method = null)
        {
            var proxy = DispatchProxy.Create<IOutgoingGrainCallContext, FakeCall>();
            var fake = (FakeCall)(object)proxy;
            fake.Time = time;
            fake.Start = time.GetUtcNow();
            fake.FailFor = failFor;
            fake.Method = method ?? typeof(IFaceCollectionGrain).GetMethod(nameof(IFaceCollectionGrain.SearchAsync))!;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            "get_SourceContext" => null,
            "get_InterfaceMethod" => Method,
            "get_InterfaceName" => Method.DeclaringType!.Name,
            "get_MethodName" => Method.Name,
            "Invoke" => AttemptAsync(),
            _ => throw new NotSupportedException(targetMethod?.Name),
        };

        private Task AttemptAsync()
        {
            Attempts++;
            if (Time.GetUtcNow() - Start < FailFor)
            {
                FailedAttempts++;
                return Task.FromException(new SiloUnavailableException());
            }

            return Task.CompletedTask;
        }
    }
}
