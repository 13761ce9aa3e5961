using System.Text.Json;
using Microsoft.Playwright;

namespace CompreFace.WebUi.Tests;

/// <summary>What every page test needs: screenshots, the layout check, login, and setup through the admin API.</summary>
internal static class PageChecks
{
    public const string OwnerEmail = "owner@example.com";
    public const string OwnerPassword = "owner-password-1";
    public const string UserPassword = "user-password-1";

    private static readonly Lazy<string> ScreenshotDirectory = new(() =>
    {
        // COMPREFACE_SCREENSHOTS (set by .ci/run to .ci/out/screenshots), else .ci/out/screenshots of this checkout.
        var configured = Environment.GetEnvironmentVariable("COMPREFACE_SCREENSHOTS");
        var directory = !string.IsNullOrWhiteSpace(configured) ? configured : Path.Combine(RepositoryRoot(), ".ci", "out", "screenshots");
        Directory.CreateDirectory(directory);
        return directory;
    });

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IPage, List<string>> ScriptErrors = [];

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<IPage, string?> PromptAnswers = new();

    /// <summary>
    /// Records the page's uncaught script errors (API errors the page handles are not script errors) and anything the
    /// UI's Content-Security-Policy refused (an inline style or script, a picture from elsewhere): the UI must work
    /// under its policy.
    /// </summary>
    public static void TrackScriptErrors(IPage page)
    {
        var errors = ScriptErrors.GetOrCreateValue(page);
        page.PageError += (_, error) =>
        {
            lock (errors)
            {
                errors.Add(error);
            }
        };
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                lock (errors)
                {
                    errors.Add(message.Text);
                }
            }
        };
    }

    /// <summary>Fails when a script of the page threw and nothing caught it.</summary>
    public static void AssertNoScriptErrors(IPage page)
    {
        var errors = ScriptErrors.GetOrCreateValue(page);
        lock (errors)
        {
            Assert.True(errors.Count == 0, "Uncaught script errors: " + string.Join(" | ", errors));
        }
    }

    /// <summary>
    /// Saves a full-page PNG named <paramref name="name"/> in the screenshot folder, after checking that the page shows no
    /// stray "null" or "undefined" (a missing value rendered as text); the JSON panel is left out, as its nulls are data.
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var stray = await page.EvaluateAsync<string[]>("""
            () => {
              const found = [];
              const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
              for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const text = node.nodeValue.trim();
                if (/^(null|undefined|NaN)$/.test(text) && !node.parentElement.closest('pre')) found.push(node.parentElement.outerHTML.slice(0, 120));
              }
              return found;
            }
            """);
        Assert.True(stray.Length == 0, $"{name}: stray text in " + string.Join(" | ", stray));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory.Value, name + ".png"), FullPage = true });
    }

    /// <summary>Fails when the page is wider than the window (a layout that breaks: content cut off or a sideways scroll).</summary>
    public static async Task AssertNoHorizontalOverflowAsync(IPage page, string what)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(widths[0] <= widths[1], $"{what}: the page is {widths[0]} px wide in a {widths[1]} px window.");
    }

    private static readonly System.Text.RegularExpressions.Regex AppsUrl = new("#/apps$", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));

    /// <summary>Logs in through the login form and waits for the applications page.</summary>
    public static async Task LogInAsync(IPage page, string email, string password)
    {
        // Wait for the app's start-up requests (the session check) to settle: on a loaded machine they can finish
        // after the form is drawn and draw it again, and a form filled before that is replaced by an empty one.
        await page.GotoAsync("/#/login", new() { WaitUntil = WaitUntilState.NetworkIdle });
        await page.Locator("h1", new() { HasText = "Log in" }).WaitForAsync();
        await page.FillAsync("input[name=email]", email);
        await page.FillAsync("input[name=password]", password);
        await page.ClickAsync("form button[type=submit]");
        try
        {
            // Polls the address: WaitForURLAsync waits for a navigation event, and a hash change that lands between its
            // check of the address and its subscription is missed (seen in CI: timed out with the page already at #/apps).
            await Assertions.Expect(page).ToHaveURLAsync(AppsUrl, new() { Timeout = 60_000 });
        }
        catch (PlaywrightException timeout)
        {
            // Say where the page stayed and what it showed (an error box, an emptied form), so a failure explains itself.
            var shown = await page.Locator("body").InnerTextAsync();
            var field = page.Locator("input[name=email]");
            var typed = await field.CountAsync() == 1 ? await field.InputValueAsync() : "(no login form)";
            throw new TimeoutException(
                $"login as {email} did not reach #/apps: the page is at {page.Url}, email field '{typed}', showing: {shown[..Math.Min(shown.Length, 600)]}",
                timeout);
        }

        await page.Locator("h1", new() { HasText = "Applications" }).WaitForAsync();
    }

    /// <summary>A new page (own cookies) logged in as the node's owner, who is registered first if needed.</summary>
    public static async Task<IPage> OwnerPageAsync(WebUiNode node)
    {
        var page = await node.NewPageAsync();
        await EnsureOwnerAsync(page);
        await LogInAsync(page, OwnerEmail, OwnerPassword);
        return page;
    }

    /// <summary>From now on accepts confirm and prompt dialogs of the page, answering prompts with <paramref name="promptText"/>.</summary>
    public static void AnswerDialogs(IPage page, string? promptText = null)
    {
        if (PromptAnswers.TryAdd(page, promptText))
        {
            // Playwright raises the event synchronously; the answer goes back to the browser on its own connection.
            page.Dialog += (_, dialog) => _ = dialog.Type == "prompt" ? dialog.AcceptAsync(PromptAnswers[page]) : dialog.AcceptAsync();
        }
        else
        {
            PromptAnswers[page] = promptText;
        }
    }

    /// <summary>
    /// Signs a new global USER up through the admin API, after the owner (so the user is not the first sign-up), in a
    /// browser context of its own (no session is shared); answers the email.
    /// </summary>
    public static async Task<string> RegisterUserAsync(WebUiNode node)
    {
        var email = "user-" + Guid.NewGuid().ToString("N")[..12] + "@example.com";
        var page = await node.NewPageAsync();
        await EnsureOwnerAsync(page);
        var response = await page.Context.APIRequest.PostAsync("/admin/user/register", new()
        {
            DataObject = new { email, password = UserPassword, firstName = "Uma", lastName = "User" },
        });
        Assert.Equal(201, response.Status);
        await page.Context.CloseAsync();
        return email;
    }

    /// <summary>Registers the node's owner through the admin API (the first sign-up); a second call is code 4 and ignored.</summary>
    public static async Task EnsureOwnerAsync(IPage page)
    {
        var response = await page.Context.APIRequest.PostAsync("/admin/user/register", new()
        {
            DataObject = new { email = OwnerEmail, password = OwnerPassword, firstName = "Olga", lastName = "Owner" },
        });
        Assert.True(response.Status is 201 or 400, $"register: {response.Status} {await response.TextAsync()}");
    }

    /// <summary>Creates an application with one service through the admin API (the browser context's session cookie).</summary>
    public static async Task<(string AppId, string ServiceId, string ApiKey)> CreateServiceAsync(IPage page, string type)
    {
        var app = await JsonAsync(await page.Context.APIRequest.PostAsync("/admin/app", new() { DataObject = new { name = $"{type} app {Guid.NewGuid():N}"[..40] } }));
        var appId = app.GetProperty("id").GetString()!;
        var service = await JsonAsync(await page.Context.APIRequest.PostAsync($"/admin/app/{appId}/model", new() { DataObject = new { name = $"{type} service", type } }));
        return (appId, service.GetProperty("id").GetString()!, service.GetProperty("apiKey").GetString()!);
    }

    /// <summary>Adds one example to a recognition collection through the face API.</summary>
    public static async Task AddExampleAsync(IPage page, string apiKey, string subject, string photo)
    {
        var response = await PostPhotoAsync(page, apiKey, $"/api/v1/recognition/faces?subject={Uri.EscapeDataString(subject)}", photo);
        Assert.True(response.Status == 201, $"add example: {response.Status} {await response.TextAsync()}");
    }

    /// <summary>Posts <paramref name="photo"/> as the multipart field <c>file</c> to a face API route with the service's key.</summary>
    public static async Task<IAPIResponse> PostPhotoAsync(IPage page, string apiKey, string route, string photo) =>
        await page.Context.APIRequest.PostAsync(route, new()
        {
            Headers = new Dictionary<string, string> { ["x-api-key"] = apiKey },
            Multipart = page.Context.APIRequest.CreateFormData().Append("file", new FilePayload
            {
                Name = Path.GetFileName(photo),
                MimeType = "image/jpeg",
                Buffer = await File.ReadAllBytesAsync(photo),
            }),
        });

    /// <summary>Each drawn face: its label text and its box's horizontal centre as a fraction of the picture's width.</summary>
    public static async Task<IReadOnlyList<(string Label, double CenterX, double CenterY)>> DrawnFacesAsync(IPage page, string stageSelector = ".stage")
    {
        var stage = page.Locator(stageSelector).First;
        var picture = await stage.Locator("img, video").First.BoundingBoxAsync() ?? throw new InvalidOperationException("No picture on the stage.");
        var faces = new List<(string, double, double)>();
        foreach (var box in await stage.Locator("[data-testid=face-box]").AllAsync())
        {
            var rect = await box.BoundingBoxAsync() ?? throw new InvalidOperationException("A face box is not visible.");
            var label = await box.Locator("[data-testid=face-label]").InnerTextAsync();
            faces.Add((label, (rect.X + (rect.Width / 2) - picture.X) / picture.Width, (rect.Y + (rect.Height / 2) - picture.Y) / picture.Height));
        }

        return faces;
    }

    /// <summary>The JSON body of a successful answer; fails the test with the answer otherwise.</summary>
    public static async Task<JsonElement> JsonAsync(IAPIResponse response)
    {
        Assert.True(response.Ok, $"{response.Url}: {response.Status} {await response.TextAsync()}");
        return (await response.JsonAsync())!.Value;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CompreFace.sln")))
            {
                return dir.FullName;
            }
        }

        return Path.GetTempPath();
    }
}
