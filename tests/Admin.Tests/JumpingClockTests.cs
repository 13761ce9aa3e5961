namespace CompreFace.Admin.Tests;

public sealed class JumpingClockTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Advance_PeriodicTimerOverdueByManyPeriods_FiresOnceAndNextAPeriodLater()
    {
        var clock = new JumpingClock(Start);
        var ticks = new List<DateTimeOffset>();
        using var timer = clock.CreateTimer(_ => ticks.Add(clock.GetUtcNow()), null, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100));

        clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal([Start.AddDays(1)], ticks);

        clock.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Single(ticks);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([Start.AddDays(1), Start.AddDays(1).AddMilliseconds(100)], ticks);
    }

    [Fact]
    public void Advance_PeriodicTimerChangedToOneShot_FiresOnceOnly()
    {
        var clock = new JumpingClock(Start);
        var ticks = 0;
        using var timer = clock.CreateTimer(_ => ticks++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        timer.Change(TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(0, ticks);
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, ticks);
    }

    [Fact]
    public void Advance_DisposedPeriodicTimer_NeverFires()
    {
        var clock = new JumpingClock(Start);
        var ticks = 0;
        var timer = clock.CreateTimer(_ => ticks++, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        clock.Advance(TimeSpan.FromSeconds(1));
        timer.Dispose();
        clock.Advance(TimeSpan.FromDays(1));

        Assert.Equal(1, ticks);
    }

    [Fact]
    public async Task Advance_PeriodicTimerOfTheRuntime_TicksOnceAndKeepsTicking()
    {
        var clock = new JumpingClock(Start);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);

        clock.Advance(TimeSpan.FromDays(30));
        Assert.True(await timer.WaitForNextTickAsync());
        var next = timer.WaitForNextTickAsync();
        Assert.False(next.IsCompleted);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await next);
    }
}
