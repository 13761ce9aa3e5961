using System.Globalization;
using System.Net;
using CompreFace.Grains.Admin;
using CompreFace.Grains.Storage;
using CompreFace.Grains.Interfaces.Admin;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CompreFace.Admin.Tests;

/// <summary>
/// Everything the admin tier does when time passes (session expiry, lockout release, the expired-token purge, the
/// statistics flush), on the real node with its clock replaced by a <see cref="JumpingClock"/>: time moves only when a
/// test advances it, so nothing sleeps and nothing races the wall clock.
/// </summary>
public sealed class ClockTests(ClockTests.ClockNode node) : IClassFixture<ClockTests.ClockNode>
{
    private AdminOptions Options => node.Factory.Services.GetRequiredService<IOptions<AdminOptions>>().Value;

    [Fact]
    public async Task Session_AccessTokenPastItsLifetime_Is401AndRefreshIssuesANewOne()
    {
        using var client = await node.NewUserAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);

        node.Clock.Advance(TimeSpan.FromSeconds(Options.AccessTokenValiditySeconds - 1));
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);

        node.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);

        using var refreshed = await client.RefreshAsync();
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);
    }

    [Fact]
    public async Task Refresh_RefreshTokenPastItsLifetime_IsRefused()
    {
        using var client = await node.NewUserAsync();

        node.Clock.Advance(TimeSpan.FromSeconds(Options.RefreshTokenValiditySeconds));
        using var refreshed = await client.RefreshAsync();

        Assert.NotEqual(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);
    }

    [Fact]
    public async Task Refresh_SpentTokenReplayedAfterTheGracePeriod_EndsTheWholeSession()
    {
        var (access, refresh) = await LoginForCookiesAsync();
        using var client = AdminClient.Create(node.Factory, handleCookies: false);
        using var first = await RefreshWithAsync(client, refresh);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var (access2, refresh2) = (Cookie(first, "CFSESSION"), Cookie(first, "REFRESH_TOKEN"));
        Assert.Equal(HttpStatusCode.OK, await MeWithAsync(client, access2));

        // The thief (or the victim) presents the spent token later: the family ends, the current pair included.
        node.Clock.Advance(TimeSpan.FromSeconds(Options.RefreshReuseGraceSeconds + 1));
        using (var replay = await RefreshWithAsync(client, refresh))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await MeWithAsync(client, access2));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeWithAsync(client, access));
        using var next = await RefreshWithAsync(client, refresh2);
        Assert.Equal(HttpStatusCode.Unauthorized, next.StatusCode);
    }

    [Fact]
    public async Task Refresh_SpentTokenReplayedWithinTheGracePeriod_IsRefusedButTheSessionLives()
    {
        var (_, refresh) = await LoginForCookiesAsync();
        using var client = AdminClient.Create(node.Factory, handleCookies: false);
        using var first = await RefreshWithAsync(client, refresh);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        // A second tab that refreshed with the same cookie at the same moment.
        using (var second = await RefreshWithAsync(client, refresh))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, second.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, await MeWithAsync(client, Cookie(first, "CFSESSION")));
        using var next = await RefreshWithAsync(client, Cookie(first, "REFRESH_TOKEN"));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task Refresh_UsedEveryDay_StopsAtTheAbsoluteSessionLifetime()
    {
        using var client = await node.NewUserAsync();
        var day = TimeSpan.FromDays(1);
        var lifetime = TimeSpan.FromSeconds(Options.SessionLifetimeSeconds);
        var elapsed = TimeSpan.Zero;
        while (elapsed + day < lifetime)
        {
            node.Clock.Advance(day);
            elapsed += day;
            using var refreshed = await client.RefreshAsync();
            Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);
        }

        node.Clock.Advance(lifetime - elapsed);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(HttpMethod.Get, "/admin/user/me")).Status);
        using var refused = await client.RefreshAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private async Task<(string Access, string Refresh)> LoginForCookiesAsync()
    {
        using var client = AdminClient.Create(node.Factory, handleCookies: false);
        var email = "family-" + Guid.NewGuid().ToString("N") + "@example.com";
        await client.RegisterAsync(email, "password-123", "Fam", "Ily");
        using var login = await client.TryLoginAsync(email, "password-123");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return (Cookie(login, "CFSESSION"), Cookie(login, "REFRESH_TOKEN"));
    }

    private static string Cookie(HttpResponseMessage response, string name) => name + "=" + CookieValue(response, name);

    private static async Task<HttpResponseMessage> RefreshWithAsync(AdminClient client, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/oauth/token?grant_type=refresh_token&scope=all");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", AdminClient.UiBasic);
        request.Headers.Add("Cookie", cookie);
        return await client.Http.SendAsync(request);
    }

    private static async Task<HttpStatusCode> MeWithAsync(AdminClient client, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/user/me");
        request.Headers.Add("Cookie", cookie);
        using var response = await client.Http.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task Login_LockedOutEmail_IsReleasedWhenTheLockoutEnds()
    {
        var email = "locked-" + Guid.NewGuid().ToString("N") + "@example.com";
        using var client = AdminClient.Create(node.Factory);
        await client.RegisterAsync(email, "right-password", "Lock", "Out");
        for (var i = 0; i < Options.LoginFailureLimit; i++)
        {
            using var failed = await client.TryLoginAsync(email, "wrong-password");
            Assert.Contains("Bad credentials", await failed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        node.Clock.Advance(TimeSpan.FromSeconds(Options.LockoutSeconds - 1));
        using (var locked = await client.TryLoginAsync(email, "right-password"))
        {
            Assert.Contains("User account is locked", await locked.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        node.Clock.Advance(TimeSpan.FromSeconds(1));
        using var released = await client.TryLoginAsync(email, "right-password");

        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
    }

    [Fact]
    public async Task TokenPurge_TokensPastTheirLifetime_AreDeletedAtTheNextInterval()
    {
        using var client = AdminClient.Create(node.Factory, handleCookies: false);
        var email = "purged-" + Guid.NewGuid().ToString("N") + "@example.com";
        await client.RegisterAsync(email, "password-123", "Pur", "Ged");
        using var login = await client.TryLoginAsync(email, "password-123");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var access = SessionTokenHash.Compute(CookieValue(login, "CFSESSION"));
        var refresh = SessionTokenHash.Compute(CookieValue(login, "REFRESH_TOKEN"));
        var store = node.Factory.Services.GetRequiredService<IAdminStore>();
        Assert.NotNull(await store.FindTokenAsync(access));

        // Past the access token's life only: a purge takes it and leaves the refresh token.
        await AdvanceUntilPurgedAsync(store, access, TimeSpan.FromSeconds(Options.AccessTokenValiditySeconds + Options.TokenPurgeIntervalSeconds));
        Assert.NotNull(await store.FindTokenAsync(refresh));

        await AdvanceUntilPurgedAsync(store, refresh, TimeSpan.FromSeconds(Options.RefreshTokenValiditySeconds));
    }

    /// <summary>
    /// Advances the clock and waits for the purges it triggers until <paramref name="token"/> is gone. The purge this
    /// advance makes due runs with the clock at its end; one still running from an earlier tick may report first,
    /// having deleted only other tests' tokens, so a report is followed by the next one, not trusted.
    /// </summary>
    private async Task AdvanceUntilPurgedAsync(IAdminStore store, byte[] token, TimeSpan by)
    {
        var purge = node.NextPurgeAsync();
        node.Clock.Advance(by);
        while (await store.FindTokenAsync(token) is not null)
        {
            await purge.WaitAsync(TimeSpan.FromSeconds(30));
            purge = node.NextPurgeAsync();
        }
    }

    [Fact]
    public async Task StatisticsFlush_CountedRequests_AreStoredAtTheNextIntervalUnderTheClocksDay()
    {
        using var owner = AdminClient.Create(node.Factory);
        await owner.LoginAsync(ClockNode.OwnerEmail, ClockNode.OwnerPassword);
        var appId = await owner.CreateAppAsync();
        var (serviceId, key) = await owner.CreateServiceAsync(appId, "DETECTION");
        var (status, _) = await owner.PostPhotoAsync("/api/v1/detection/detect", key, SharedData.SampleBytes("007_B.jpg"));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Empty((await owner.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/model/{serviceId}/statistics")).Body.EnumerateArray());

        var flushed = node.NextStatisticsFlushAsync();
        node.Clock.Advance(TimeSpan.FromSeconds(ClockNode.FlushIntervalSeconds));
        await flushed.WaitAsync(TimeSpan.FromSeconds(30));

        var (_, days) = await owner.SendAsync(HttpMethod.Get, $"/admin/app/{appId}/model/{serviceId}/statistics");
        var day = Assert.Single(days.EnumerateArray());
        Assert.Equal(1, day.GetProperty("requestCount").GetInt64());
        Assert.Equal(node.Clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), day.GetProperty("createdDate").GetString());
    }

    private static string CookieValue(HttpResponseMessage response, string name)
    {
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(name + "=", StringComparison.Ordinal));
        return cookie[(name.Length + 1)..cookie.IndexOf(';', StringComparison.Ordinal)];
    }

    /// <summary>One node for the class, its clock a <see cref="JumpingClock"/> starting at the real time.</summary>
    public sealed class ClockNode : IAsyncLifetime, IDisposable
    {
        public const string OwnerEmail = "owner@example.com";
        public const string OwnerPassword = "owner-password-1";

        private readonly EventSignal _purges = new();
        private readonly EventSignal _flushes = new();

        public ClockNode()
        {
            Factory = new FakeClockFactory(Clock, _purges, _flushes, FlushIntervalSeconds);
        }

        public JumpingClock Clock { get; } = new(DateTimeOffset.UtcNow);

        public const int FlushIntervalSeconds = 60;

        public AdminFactory Factory { get; }

        /// <summary>Completes when the token purger next reports a purge (its log event 3041).</summary>
        public Task NextPurgeAsync() => _purges.NextAsync();

        /// <summary>Completes when a statistics flush next reaches the statistics grain.</summary>
        public Task NextStatisticsFlushAsync() => _flushes.NextAsync();

        /// <summary>The first sign-up takes over the demo user and so becomes the global owner.</summary>
        public async Task InitializeAsync()
        {
            using var client = AdminClient.Create(Factory);
            await client.RegisterAsync(OwnerEmail, OwnerPassword, "Olga", "Owner");
        }

        public Task DisposeAsync() => Task.CompletedTask;

        /// <summary>A fresh global USER, logged in.</summary>
        public async Task<AdminClient> NewUserAsync()
        {
            var client = AdminClient.Create(Factory);
            var email = "clock-" + Guid.NewGuid().ToString("N") + "@example.com";
            await client.RegisterAsync(email, "password-123", "Clock", "User");
            await client.LoginAsync(email, "password-123");
            return client;
        }

        public void Dispose() => Factory.Dispose();
    }

    /// <summary>A barrier for an event that may happen many times: each <see cref="NextAsync"/> waits for the next one.</summary>
    private sealed class EventSignal
    {
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task NextAsync()
        {
            var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _next, fresh);
            return fresh.Task;
        }

        public void Raise() => Volatile.Read(ref _next).TrySetResult();
    }

    private sealed class FakeClockFactory(JumpingClock clock, EventSignal purges, EventSignal flushes, int flushSeconds) : AdminFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Statistics:FlushIntervalSeconds", flushSeconds.ToString(CultureInfo.InvariantCulture));

            builder.UseSetting($"Logging:LogLevel:{typeof(ExpiredTokenPurger).FullName}", "Information");
            builder.ConfigureTestServices(services =>
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton<TimeProvider>(clock);
                services.AddSingleton<ILoggerProvider>(new PurgeLogSignal(purges));
                services.AddSingleton<Orleans.IIncomingGrainCallFilter>(new StatisticsFlushSignal(flushes));
            });
        }
    }

    /// <summary>Raises the purge signal on the purger's "Purged {Count}" event.</summary>
    private sealed class PurgeLogSignal(EventSignal purges) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) =>
            categoryName == typeof(ExpiredTokenPurger).FullName ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 3041)
            {
                purges.Raise();
            }
        }

        public void Dispose()
        {
        }
    }

    /// <summary>Raises the flush signal when a call to <see cref="IRequestStatisticsGrain.AddAsync"/> has completed.</summary>
    private sealed class StatisticsFlushSignal(EventSignal flushes) : Orleans.IIncomingGrainCallFilter
    {
        public async Task Invoke(Orleans.IIncomingGrainCallContext context)
        {
            await context.Invoke();
            if (context.InterfaceMethod?.DeclaringType == typeof(IRequestStatisticsGrain)
                && context.InterfaceMethod.Name == nameof(IRequestStatisticsGrain.AddAsync))
            {
                flushes.Raise();
            }
        }
    }
}
