using System.Collections.Concurrent;

namespace CompreFace.Cluster.Tests;

/// <summary>A grain with persistent state in the AdoNet storage named "Default".</summary>
public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync();

    Task<int> GetAsync();

    Task ClearAsync();

    Task DeactivateAsync();
}

[GenerateSerializer]
public sealed class CounterState
{
    [Id(0)]
    public int Count { get; set; }
}

public sealed class CounterGrain([PersistentState("cluster-tests-counter", "Default")] IPersistentState<CounterState> state) : Grain, ICounterGrain
{
    /// <summary>Per grain key, completed when its activation has deactivated; static because the silos run in this process.</summary>
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Deactivations = new();

    /// <summary>Completes when the activation of <paramref name="key"/> has finished deactivating.</summary>
    public static Task DeactivatedAsync(string key) => Deactivations.GetOrAdd(key, NewSignal).Task;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Deactivations.GetOrAdd(this.GetPrimaryKeyString(), NewSignal).TrySetResult();
        return Task.CompletedTask;
    }

    public async Task<int> IncrementAsync()
    {
        state.State.Count++;
        await state.WriteStateAsync();
        return state.State.Count;
    }

    public Task<int> GetAsync() => Task.FromResult(state.State.Count);

    public Task ClearAsync() => state.ClearStateAsync();

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    private static TaskCompletionSource NewSignal(string key) => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>A grain that registers a reminder on the AdoNet reminder service and counts its ticks.</summary>
public interface IReminderProbeGrain : IGrainWithStringKey
{
    Task RegisterAsync(TimeSpan due, TimeSpan period);

    Task UnregisterAsync();
}

public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    public const string ReminderName = "probe";

    /// <summary>Per grain key, completed at its first tick; static because the silos run in this process.</summary>
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> FirstTicks = new();

    /// <summary>Completes when the reminder of <paramref name="key"/> has fired.</summary>
    public static Task FiredAsync(string key) =>
        FirstTicks.GetOrAdd(key, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public async Task RegisterAsync(TimeSpan due, TimeSpan period) =>
        await this.RegisterOrUpdateReminder(ReminderName, due, period);

    public async Task UnregisterAsync()
    {
        var reminder = await this.GetReminder(ReminderName);
        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        FirstTicks.GetOrAdd(this.GetPrimaryKeyString(), static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return Task.CompletedTask;
    }
}

/// <summary>Tells which silo it lives on, so a test can make sure a call crossed the silo-to-silo connection.</summary>
public interface ISiloProbeGrain : IGrainWithIntegerKey
{
    Task<string> WhereAsync();
}

public sealed class SiloProbeGrain : Grain, ISiloProbeGrain
{
    public Task<string> WhereAsync() => Task.FromResult(RuntimeIdentity);
}
