using System.Net;
using System.Net.Http.Json;
using CompreFace.WebApi.Mail;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CompreFace.Admin.Tests;

/// <summary>
/// Forgot-password answers the same, at once, whether or not the email is registered: the mail goes out from a
/// background queue to the address stored for the account. The mail server here is a sender that does not return until
/// the test lets it, so an endpoint that waited for it could not answer.
/// </summary>
public sealed class ForgotPasswordTests
{
    [Fact]
    public async Task ForgotPassword_KnownAndUnknownEmail_SameAnswerWithoutWaitingForTheMail_MailGoesToTheStoredAddress()
    {
        var mail = new HeldMailSender();
        using var factory = new HeldMailFactory(mail);
        using var client = AdminClient.Create(factory);
        var (status, _) = await client.SendAsync(
            HttpMethod.Post, "/admin/user/register", new { email = "stored@example.com", password = "password-123", firstName = "Sto", lastName = "Red" });
        Assert.Equal(HttpStatusCode.OK, status); // mail on: a confirmation mail went out (not held)

        using var known = await PostForgotAsync(client, "  Stored@EXAMPLE.com ");
        using var unknown = await PostForgotAsync(client, "nobody@example.com");

        // Both answered while the mail of the known one is still held by the sender.
        Assert.Equal(await DescribeAsync(known), await DescribeAsync(unknown));
        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
        var (recipient, text) = await mail.Attempted.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("stored@example.com", recipient);
        Assert.Contains("/reset-password?token=", text, StringComparison.Ordinal);

        mail.Release.SetResult();
        Assert.Equal(1, mail.Attempts);
    }

    /// <summary>
    /// CompreFace's seeded demo user (<c>demo@demo.com</c>, the global owner until the first sign-up takes it over) has no
    /// password and an address at a domain that is someone else's: a reset link mailed there would hand whoever reads
    /// that mail the server, past the owner setup rule. No token is issued for it.
    /// </summary>
    [Fact]
    public async Task ForgotPassword_TheSeededDemoUser_GetsNoResetMail()
    {
        var mail = new HeldMailSender();
        using var factory = new HeldMailFactory(mail);
        using var client = AdminClient.Create(factory);

        // A second account beside the demo user (a sign-up would take the demo user over); the queue is worked in order.
        var store = factory.Services.GetRequiredService<CompreFace.Grains.Storage.IAdminStore>();
        Assert.True(await store.AddUserAsync(new CompreFace.Grains.Storage.UserRecord(
            Guid.NewGuid(), "marker@example.com", "not-a-hash", "Mark", "Er", CompreFace.Grains.Interfaces.Admin.Role.User, false, false)));
        using var demo = await PostForgotAsync(client, "demo@demo.com");
        using var marker = await PostForgotAsync(client, "marker@example.com");
        Assert.Equal(HttpStatusCode.OK, demo.StatusCode);

        var (recipient, _) = await mail.Attempted.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("marker@example.com", recipient);
        mail.Release.SetResult();
    }

    private static async Task<HttpResponseMessage> PostForgotAsync(AdminClient client, string email)
    {
        // Bounded: a node that waited for the held mail would never answer; this fails it instead of hanging the run.
        var response = client.Http.PostAsJsonAsync("/admin/user/forgot-password", new { email });
        return await response.WaitAsync(TimeSpan.FromSeconds(60));
    }

    /// <summary>Status, headers but Date, and body.</summary>
    private static async Task<string> DescribeAsync(HttpResponseMessage response)
    {
        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(h => h.Key != "Date")
            .OrderBy(h => h.Key, StringComparer.Ordinal)
            .Select(h => h.Key + ": " + string.Join(",", h.Value));
        return $"{(int)response.StatusCode}\n{string.Join("\n", headers)}\n{await response.Content.ReadAsStringAsync()}";
    }

    /// <summary>A mail server that takes each password-reset mail only when <see cref="Release"/> is completed (others at once).</summary>
    private sealed class HeldMailSender : IMailSender
    {
        private int _attempts;

        public TaskCompletionSource<(string Recipient, string Text)> Attempted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Attempts => Volatile.Read(ref _attempts);

        public async Task SendAsync(string recipient, string subject, string text, CancellationToken cancellationToken)
        {
            if (!subject.Contains("password reset", StringComparison.Ordinal))
            {
                return;
            }

            Interlocked.Increment(ref _attempts);
            Attempted.TrySetResult((recipient, text));
            await Release.Task.WaitAsync(cancellationToken);
        }
    }

    private sealed class HeldMailFactory(HeldMailSender sender) : AdminFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Mail:Enabled", "true");
            builder.UseSetting("Mail:Host", "127.0.0.1");
            builder.UseSetting("Mail:From", "CompreFace <noreply@example.com>");
            builder.UseSetting("Mail:PublicUrl", "http://ui.example/");
            builder.ConfigureTestServices(services =>
            {
                services.RemoveAll<IMailSender>();
                services.AddSingleton<IMailSender>(sender);
            });
        }
    }
}
