using Microsoft.Extensions.Time.Testing;

namespace CompreFace.Admin.Tests;

/// <summary>
/// A <see cref="FakeTimeProvider"/> whose periodic timers tick the way <see cref="System.Threading.Timer"/> does after a
/// machine wakes from sleep: a timer that an <see cref="FakeTimeProvider.Advance"/> made overdue by many periods fires
/// once, late, and its next tick is one period after that. The base clock fires it once for every period passed, each
/// time with the clock already at the end: a node's framework heartbeats (Orleans' 100 ms thread-pool stall detector,
/// its 1 s response-timeout sweep) then ran 864,000 times per simulated day, and a test letting a month pass spent 30 s
/// of CPU on them. One-shot timers (delays, timeouts) are the base clock's.
/// </summary>
public sealed class JumpingClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    /// <inheritdoc/>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        IsPeriod(period)
            ? new RearmingTimer(this, callback, state, dueTime, period)
            : base.CreateTimer(callback, state, dueTime, period);

    private static bool IsPeriod(TimeSpan period) => period > TimeSpan.Zero && period != Timeout.InfiniteTimeSpan;

    private ITimer CreateOneShot(TimerCallback callback, TimeSpan dueTime) =>
        base.CreateTimer(callback, null, dueTime, Timeout.InfiniteTimeSpan);

    /// <summary>A one-shot timer of the base clock that re-arms itself from the clock's time after each tick.</summary>
    private sealed class RearmingTimer : ITimer
    {
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private readonly ITimer _next;
        private TimeSpan _period;

        public RearmingTimer(JumpingClock clock, TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _callback = callback;
            _state = state;
            _period = period;
            _next = clock.CreateOneShot(_ => Tick(), dueTime);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _period = period;
            return _next.Change(dueTime, Timeout.InfiniteTimeSpan);
        }

        public void Dispose() => _next.Dispose();

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private void Tick()
        {
            _callback(_state);

            // The base clock runs callbacks with its time already at the advance's end, so the next tick is a period
            // after the end. Re-arming a disposed timer is a no-op.
            var period = _period;
            if (IsPeriod(period))
            {
                _next.Change(period, Timeout.InfiniteTimeSpan);
            }
        }
    }
}
