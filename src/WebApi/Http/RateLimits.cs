using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace CompreFace.WebApi.Http;

/// <summary>
/// Rate limits (section <c>RateLimits</c>, decision 0024), enforced by ASP.NET Core's rate limiter on each node: per
/// client address (<see cref="ClientAddresses"/>) on login, sign-up and the two password-reset endpoints, and per face
/// service on the face API when configured. A refusal is 429 with <c>Retry-After</c> and the <c>{message, code}</c> body.
/// </summary>
public sealed class RateLimitOptions : IValidatableObject
{
    public const string SectionName = "RateLimits";

    /// <summary>Whether any limit applies (default true).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Whether requests from the node's own host are exempt (default true): after the trusted-proxy headers are applied,
    /// a loopback client is the operator or a local tool, the same trust the first-owner sign-up gives it.
    /// </summary>
    public bool ExemptLoopback { get; set; } = true;

    /// <summary><c>POST /admin/oauth/token</c> password logins per address (refreshes are not counted): 5 a minute.</summary>
    [Required]
    public WindowLimit Login { get; set; } = new() { PermitLimit = 5, WindowSeconds = 60 };

    /// <summary><c>POST /admin/user/register</c> per address: 5 an hour.</summary>
    [Required]
    public WindowLimit SignUp { get; set; } = new() { PermitLimit = 5, WindowSeconds = 3600 };

    /// <summary><c>POST /admin/user/forgot-password</c> and <c>PUT /admin/user/reset-password</c> per address, together: 5 in 15 minutes.</summary>
    [Required]
    public WindowLimit PasswordReset { get; set; } = new() { PermitLimit = 5, WindowSeconds = 900 };

    /// <summary>
    /// The face API per service, i.e. per API key (a renewed key keeps its service's budget): off by default
    /// (<see cref="KeyLimit.RequestsPerSecond"/> 0), as CompreFace, whose SDKs and batch clients expect none.
    /// </summary>
    [Required]
    public KeyLimit ApiKey { get; set; } = new();

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(ApiKey, new ValidationContext(ApiKey), results, validateAllProperties: true))
        {
            results.Add(new ValidationResult("ApiKey needs RequestsPerSecond 0-100000 and Burst 0-1000000.", [nameof(ApiKey)]));
        }

        foreach (var (name, limit) in new[] { (nameof(Login), Login), (nameof(SignUp), SignUp), (nameof(PasswordReset), PasswordReset) })
        {
            if (!Validator.TryValidateObject(limit, new ValidationContext(limit), results, validateAllProperties: true))
            {
                results.Add(new ValidationResult($"{name} needs PermitLimit 1-1000000 and WindowSeconds 1-86400.", [name]));
            }
        }

        return results;
    }

    /// <summary>A token bucket: <see cref="RequestsPerSecond"/> sustained, up to <see cref="Burst"/> at once.</summary>
    public sealed class KeyLimit
    {
        /// <summary>Sustained requests per second per service; 0 = unlimited. Fractions allowed (0.5 = one every 2 s).</summary>
        [Range(0, 100_000)]
        public double RequestsPerSecond { get; set; }

        /// <summary>Requests a service may make at once after being idle; 0 = one second's worth (at least 1).</summary>
        [Range(0, 1_000_000)]
        public int Burst { get; set; }

        /// <summary>The node-wide quota, or null when unlimited; a burst of 0 becomes one second's worth (at least 1).</summary>
        internal ServiceQuota? ToQuota() => RequestsPerSecond <= 0
            ? null
            : new ServiceQuota(RequestsPerSecond, Burst > 0 ? Burst : Math.Max((int)Math.Round(RequestsPerSecond), 1));
    }

    /// <summary>At most <see cref="PermitLimit"/> requests in each window of <see cref="WindowSeconds"/>.</summary>
    public sealed class WindowLimit
    {
        [Range(1, 1_000_000)]
        public int PermitLimit { get; set; }

        [Range(1, 86_400)]
        public int WindowSeconds { get; set; }
    }
}

/// <summary>The rate limiter's policies and its 429 answer.</summary>
public static class RateLimits
{
    /// <summary>Policy of the login endpoint.</summary>
    public const string Login = "login";

    /// <summary>Policy of sign-up.</summary>
    public const string SignUp = "sign-up";

    /// <summary>Policy of forgot-password and reset-password (one budget for both).</summary>
    public const string PasswordReset = "password-reset";

    /// <summary>Registers <see cref="RateLimitOptions"/> and the limiter's policies.</summary>
    public static IServiceCollection AddCompreFaceRateLimits(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<RateLimitOptions>()
            .BindConfiguration(RateLimitOptions.SectionName)
            .ValidateDataAnnotations();
        services.AddRateLimiter(_ => { });
        services.AddSingleton<IConfigureOptions<RateLimiterOptions>, ConfigureRateLimiter>();
        return services;
    }

    /// <summary>
    /// A quota as a token bucket: whole tokens per period (below one request a second, one token per 1/rate seconds),
    /// up to the burst at once, no queue.
    /// </summary>
    internal static TokenBucketRateLimiterOptions ToBucket(ServiceQuota quota)
    {
        ArgumentNullException.ThrowIfNull(quota);
        var (tokens, period) = quota.RequestsPerSecond >= 1
            ? ((int)Math.Round(quota.RequestsPerSecond), TimeSpan.FromSeconds(1))
            : (1, TimeSpan.FromSeconds(1 / quota.RequestsPerSecond));
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(quota.Burst, 1),
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    /// <summary>The 429 answer: <c>Retry-After</c> in whole seconds when the limiter knows it, and the error body.</summary>
    internal static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        int? seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? (int)Math.Max(1, Math.Ceiling(retryAfter.TotalSeconds))
            : null;
        if (seconds is { } s)
        {
            context.Response.Headers.RetryAfter = s.ToString(CultureInfo.InvariantCulture);
        }

        await Errors.ApiExceptionHandler.WriteAsync(context, ApiErrors.TooManyRequests(seconds), cancellationToken);
    }

    private sealed class ConfigureRateLimiter(IOptions<RateLimitOptions> settings) : IConfigureOptions<RateLimiterOptions>
    {
        public void Configure(RateLimiterOptions options)
        {
            var limits = settings.Value;
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = RejectAsync;
            AddAddressPolicy(options, Login, limits, limits.Login, exempt: IsRefresh);
            AddAddressPolicy(options, SignUp, limits, limits.SignUp);
            AddAddressPolicy(options, PasswordReset, limits, limits.PasswordReset);

            // The face API: every request whose key opened a service (ApiKeyMiddleware, before routing) draws from
            // that service's bucket: its own quota, else the node-wide one; everything else passes. The partition key
            // holds the quota, so a changed quota (read with the key's service on every request) takes effect on the
            // next request without a restart; the old bucket is dropped once idle.
            if (limits.Enabled)
            {
                var nodeDefault = limits.ApiKey.ToQuota();
                options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, QuotaPartition>(context =>
                    context.Features.Get<FaceServiceContext>() is { } key && (key.Service.Quota ?? nodeDefault) is { } quota
                        ? RateLimitPartition.GetTokenBucketLimiter(new QuotaPartition(key.Service.ServiceId, quota), static p => ToBucket(p.Quota))
                        : RateLimitPartition.GetNoLimiter(default(QuotaPartition)));
            }
        }

        private static void AddAddressPolicy(
            RateLimiterOptions options, string name, RateLimitOptions limits, RateLimitOptions.WindowLimit limit, Func<HttpContext, bool>? exempt = null) =>
            options.AddPolicy(name, context =>
            {
                var address = context.Connection.RemoteIpAddress;
                if (!limits.Enabled || (limits.ExemptLoopback && address is not null && IPAddress.IsLoopback(address)) || exempt?.Invoke(context) == true)
                {
                    return RateLimitPartition.GetNoLimiter(string.Empty);
                }

                return RateLimitPartition.GetFixedWindowLimiter(ClientAddresses.Key(address), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = limit.PermitLimit,
                    Window = TimeSpan.FromSeconds(limit.WindowSeconds),
                    QueueLimit = 0,
                });
            });

        /// <summary>
        /// A token refresh (the UI's, every 5 minutes) is no login attempt. Its grant type is read from the query, which
        /// the token endpoint lets no form field override.
        /// </summary>
        private static bool IsRefresh(HttpContext context) =>
            string.Equals(context.Request.Query["grant_type"], "refresh_token", StringComparison.Ordinal);
    }
}

/// <summary>One face service's bucket under one quota: a new quota is a new bucket.</summary>
internal readonly record struct QuotaPartition(Guid ServiceId, ServiceQuota Quota);
