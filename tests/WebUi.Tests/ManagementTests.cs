using Microsoft.Playwright;
using static CompreFace.WebUi.Tests.PageChecks;

namespace CompreFace.WebUi.Tests;

/// <summary>Services, members, account and user management pages, in a real browser.</summary>
[Collection(PagesGroup.Name)]
public sealed class ManagementTests(WebUiNode node)
{
    private static readonly string[] HookEvents = ["face.added"];

    [BrowserFact]
    public async Task ApplicationsPage_PublishedDemoKeysLive_OwnerRenewsThemWithOneClick()
    {
        // The owner took over CompreFace's demo user, whose services answer to the published keys (P7).
        var page = await node.NewPageAsync();
        await EnsureOwnerAsync(page);
        await LogInAsync(page, OwnerEmail, OwnerPassword);
        var banner = page.Locator("[data-testid=published-keys]");
        await banner.WaitForAsync();
        Assert.Contains("Detection_Demo", await banner.InnerTextAsync(), StringComparison.Ordinal);

        await banner.Locator("button", new() { HasText = "Renew these keys now" }).ClickAsync();
        await banner.WaitForAsync(new() { State = WaitForSelectorState.Detached });

        // The published keys open nothing any more, and the page no longer warns.
        foreach (var (path, key) in new[] { ("/api/v1/recognition/subjects", "00000000-0000-0000-0000-000000000002"), ("/api/v1/detection/detect", "00000000-0000-0000-0000-000000000003") })
        {
            var response = path.EndsWith("subjects", StringComparison.Ordinal)
                ? await page.Context.APIRequest.GetAsync(path, new() { Headers = new Dictionary<string, string> { ["x-api-key"] = key } })
                : await page.Context.APIRequest.PostAsync(path, new() { Headers = new Dictionary<string, string> { ["x-api-key"] = key } });
            Assert.Equal(404, response.Status);
        }

        await page.ReloadAsync();
        await page.Locator("h1", new() { HasText = "Applications" }).WaitForAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        Assert.Equal(0, await banner.CountAsync());
        AssertNoScriptErrors(page);
    }

    [BrowserFact]
    public async Task ApplicationPage_ServiceAndApplicationActions_UpdateThePage()
    {
        var page = await OwnerPageAsync(node);
        var appId = await CreateAppAsync(page);
        await page.GotoAsync($"/#/apps/{appId}");
        await page.Locator(".empty", new() { HasText = "No services yet" }).WaitForAsync();

        await page.FillAsync("input[name=serviceName]", "Lobby camera");
        await page.SelectOptionAsync("select[name=serviceType]", "DETECTION");
        await page.ClickAsync("text=Create service");
        var row = page.Locator("tr[data-service='Lobby camera']");
        await row.WaitForAsync();
        var oldKey = await row.Locator(".key").InnerTextAsync();

        // A new key replaces the shown one at once (after a confirmation).
        AnswerDialogs(page);
        await row.Locator("button", new() { HasText = "New key" }).ClickAsync();
        await page.Locator(".toast", new() { HasText = "New API key issued" }).WaitForAsync();
        var newKey = await row.Locator(".key").InnerTextAsync();
        Assert.NotEqual(oldKey, newKey);
        Assert.True(Guid.TryParse(newKey, out _));

        // Copy (clone): a new service of the same type with its own key.
        AnswerDialogs(page, "Lobby copy");
        await row.Locator("button", new() { HasText = "Copy" }).Last.ClickAsync();
        var copied = page.Locator("tr[data-service='Lobby copy']");
        await copied.WaitForAsync();
        Assert.Contains("DETECTION", await copied.InnerTextAsync(), StringComparison.Ordinal);
        Assert.NotEqual(newKey, await copied.Locator(".key").InnerTextAsync());

        // A request quota for the service (one request every 100 s, two at once): its key's third call is refused.
        AnswerDialogs(page, "0.01, 2");
        await row.Locator("button", new() { HasText = "Quota" }).ClickAsync();
        await page.Locator(".toast", new() { HasText = "0.01 requests per second, burst 2" }).WaitForAsync();
        var statuses = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            var answer = await page.Context.APIRequest.PostAsync("/api/v1/detection/detect", new() { Headers = new Dictionary<string, string> { ["x-api-key"] = newKey } });
            statuses.Add(answer.Status);
        }

        Assert.DoesNotContain(429, statuses.Take(2));
        Assert.Equal(429, statuses[2]);

        AnswerDialogs(page, "Front camera");
        await row.Locator("button", new() { HasText = "Rename" }).ClickAsync();
        var renamed = page.Locator("tr[data-service='Front camera']");
        await renamed.WaitForAsync();
        Assert.Equal(newKey, await renamed.Locator(".key").InnerTextAsync());
        await ScreenshotAsync(page, "12-services-actions");

        AnswerDialogs(page);
        await renamed.Locator("button", new() { HasText = "Delete" }).ClickAsync();
        await page.Locator(".toast", new() { HasText = "Service deleted" }).WaitForAsync();
        await renamed.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        await copied.Locator("button", new() { HasText = "Delete" }).ClickAsync();
        await page.Locator(".empty", new() { HasText = "No services yet" }).WaitForAsync();

        // The application itself: rename, then delete (back to the list, where it is gone).
        var appName = "Renamed " + Guid.NewGuid().ToString("N")[..8];
        AnswerDialogs(page, appName);
        await page.Locator("h1 + div button", new() { HasText = "Rename" }).ClickAsync();
        await page.Locator("h1", new() { HasText = appName }).WaitForAsync();
        AnswerDialogs(page);
        await page.Locator("h1 + div button", new() { HasText = "Delete" }).ClickAsync();
        await page.WaitForURLAsync("**/#/apps");
        await page.Locator(".toast", new() { HasText = "Application deleted" }).WaitForAsync();
        await page.Locator("h1", new() { HasText = "Applications" }).WaitForAsync();
        Assert.Equal(0, await page.Locator("a", new() { HasText = appName }).CountAsync());
        AssertNoScriptErrors(page);
    }

    [BrowserFact]
    public async Task MembersPage_InviteAndChangeRole_ShowsTheMemberWithTheNewRole()
    {
        var page = await OwnerPageAsync(node);
        var appId = await CreateAppAsync(page);
        var memberEmail = await RegisterUserAsync(node);

        await page.GotoAsync($"/#/apps/{appId}/members");
        await page.FillAsync("input[name=inviteEmail]", "nobody-" + Guid.NewGuid().ToString("N") + "@example.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Invite", Exact = true }).ClickAsync();
        Assert.Contains("They need to sign up first", await page.Locator("[role=alert]").InnerTextAsync(), StringComparison.Ordinal);

        await page.FillAsync("input[name=inviteEmail]", memberEmail);
        await page.SelectOptionAsync("select[name=inviteRole]", "USER");
        await page.GetByRole(AriaRole.Button, new() { Name = "Invite", Exact = true }).ClickAsync();
        var role = page.Locator($"select[aria-label='Role of {memberEmail}']");
        await role.WaitForAsync();
        Assert.Equal("USER", await role.InputValueAsync());

        await role.SelectOptionAsync("ADMINISTRATOR");
        await page.Locator(".toast", new() { HasText = $"{memberEmail} is now ADMINISTRATOR" }).WaitForAsync();
        await page.ReloadAsync();
        await page.Locator($"select[aria-label='Role of {memberEmail}']").WaitForAsync();
        Assert.Equal("ADMINISTRATOR", await page.Locator($"select[aria-label='Role of {memberEmail}']").InputValueAsync());

        // The owner's own role is fixed.
        Assert.True(await page.Locator($"select[aria-label='Role of {OwnerEmail}']").IsDisabledAsync());
        await ScreenshotAsync(page, "13-members");
        AssertNoScriptErrors(page);
    }

    [BrowserFact]
    public async Task UsersPage_Owner_ListsEveryoneAndManagesOthersButPlainUsersSeeNoLink()
    {
        var page = await OwnerPageAsync(node);
        var userEmail = await RegisterUserAsync(node);

        await page.ClickAsync("nav >> text=Users");
        await page.WaitForURLAsync("**/#/users");
        var own = page.Locator($"select[aria-label='Global role of {OwnerEmail}']");
        await own.WaitForAsync();
        Assert.Equal("OWNER", await own.InputValueAsync());
        Assert.True(await own.IsDisabledAsync());
        var other = page.Locator($"select[aria-label='Global role of {userEmail}']");
        Assert.Equal("USER", await other.InputValueAsync());
        Assert.False(await other.IsDisabledAsync());
        await ScreenshotAsync(page, "14-users");

        // A global USER: no Users link, no application form, and an empty state that says whom to ask.
        var user = await node.NewPageAsync();
        await LogInAsync(user, userEmail, UserPassword);
        Assert.Equal(0, await user.Locator("nav >> text=Users").CountAsync());
        Assert.Equal(0, await user.Locator("input[name=appName]").CountAsync());
        await user.Locator(".empty", new() { HasText = "Ask an administrator" }).WaitForAsync();

        // Another user's global role and deletion.
        var candidate = await RegisterUserAsync(node);
        var leaver = await RegisterUserAsync(node);
        await page.ReloadAsync();
        AnswerDialogs(page);
        await page.Locator($"select[aria-label='Global role of {candidate}']").SelectOptionAsync("ADMINISTRATOR");
        await page.Locator(".toast", new() { HasText = $"{candidate} is now ADMINISTRATOR" }).WaitForAsync();
        await page.ReloadAsync();
        Assert.Equal("ADMINISTRATOR", await page.Locator($"select[aria-label='Global role of {candidate}']").InputValueAsync());
        await page.Locator("tr", new() { HasText = leaver }).Locator("button", new() { HasText = "Delete" }).ClickAsync();
        await page.Locator(".toast", new() { HasText = "User deleted" }).WaitForAsync();
        await page.Locator("tr", new() { HasText = leaver }).WaitForAsync(new() { State = WaitForSelectorState.Detached });
        AssertNoScriptErrors(page);
        AssertNoScriptErrors(user);
    }

    [BrowserFact]
    public async Task ApplicationPage_AppUser_SeesServicesAndKeysButNoManagement()
    {
        var owner = await OwnerPageAsync(node);
        var appId = await CreateAppAsync(owner);
        var service = await (await owner.Context.APIRequest.PostAsync($"/admin/app/{appId}/model", new() { DataObject = new { name = "Shared", type = "RECOGNITION" } })).JsonAsync();
        var memberEmail = await RegisterUserAsync(node);
        var invite = await owner.Context.APIRequest.PostAsync($"/admin/app/{appId}/invite", new() { DataObject = new { userEmail = memberEmail, role = "USER" } });
        Assert.Equal(201, invite.Status);

        var page = await node.NewPageAsync();
        await LogInAsync(page, memberEmail, UserPassword);
        await page.GotoAsync($"/#/apps/{appId}");
        var row = page.Locator("tr[data-service='Shared']");
        await row.WaitForAsync();

        // Read-only: the key can be copied and the service tested; nothing can be created, renamed or deleted.
        Assert.Equal(service!.Value.GetProperty("apiKey").GetString(), await row.Locator(".key").InnerTextAsync());
        Assert.Equal(1, await row.Locator("button", new() { HasText = "Copy key" }).CountAsync());
        Assert.Equal(0, await row.Locator("button", new() { HasText = "Delete" }).CountAsync());
        Assert.Equal(0, await page.Locator("input[name=serviceName]").CountAsync());
        Assert.Equal(0, await page.Locator("h1 + div button").CountAsync());
        await page.ClickAsync("text=Members");
        await page.Locator($"select[aria-label='Role of {memberEmail}']").WaitForAsync();
        Assert.Equal(0, await page.Locator("input[name=inviteEmail]").CountAsync());
        Assert.True(await page.Locator($"select[aria-label='Role of {OwnerEmail}']").IsDisabledAsync());
        await ScreenshotAsync(page, "16-app-user-view");
        AssertNoScriptErrors(page);
    }

    [BrowserFact]
    public async Task CollectionPage_RenameSubjectDeletePhotoAndSubject_UpdatesTheCollection()
    {
        var page = await OwnerPageAsync(node);
        var (appId, serviceId, apiKey) = await CreateServiceAsync(page, "RECOGNITION");
        foreach (var photo in TestPictures.PersonAPhotos)
        {
            await AddExampleAsync(page, apiKey, "Temp name", photo);
        }

        await page.GotoAsync($"/#/apps/{appId}/services/{serviceId}");
        await page.ClickAsync("[data-testid=subjects] >> text=Temp name");
        await page.Locator("[data-testid=example]").Nth(1).WaitForAsync();

        AnswerDialogs(page, TestPictures.PersonA);
        await page.ClickAsync("button:has-text('Rename')");
        await page.Locator("h2", new() { HasText = TestPictures.PersonA }).WaitForAsync();
        Assert.Equal([TestPictures.PersonA], await page.Locator("[data-testid=subjects] a").AllInnerTextsAsync());
        Assert.Equal(2, await page.Locator("[data-testid=example]").CountAsync());

        AnswerDialogs(page);
        await page.Locator("[data-testid=example] button", new() { HasText = "Delete" }).First.ClickAsync();
        await page.Locator(".toast", new() { HasText = "Photo deleted" }).WaitForAsync();
        await page.Locator("[data-testid=example]").Nth(1).WaitForAsync(new() { State = WaitForSelectorState.Detached });

        // The list is redrawn from the server after a delete, so it can be empty for a moment: wait for the one photo.
        await Assertions.Expect(page.Locator("[data-testid=example]")).ToHaveCountAsync(1);

        await page.ClickAsync("button:has-text('Delete subject')");
        await page.Locator(".empty", new() { HasText = "This collection is empty" }).WaitForAsync();
        AssertNoScriptErrors(page);
    }

    [BrowserFact]
    public async Task AccountPage_RenameAndWrongPassword_SaveOrExplain()
    {
        var userEmail = await RegisterUserAsync(node);
        var page = await node.NewPageAsync();
        await LogInAsync(page, userEmail, UserPassword);
        await page.ClickAsync("nav >> text=Account");
        await page.FillAsync("input[name=firstName]", "Renata");
        await page.ClickAsync("text=Save");
        await page.Locator(".toast", new() { HasText = "Profile saved" }).WaitForAsync();

        await page.FillAsync("input[name=oldPassword]", "not-my-password");
        await page.FillAsync("input[name=newPassword]", "a-new-password-1");
        await page.ClickAsync("text=Change password");
        Assert.Contains("The current password is incorrect", await page.Locator("[role=alert]").InnerTextAsync(), StringComparison.Ordinal);
        await ScreenshotAsync(page, "15-account");

        await page.ReloadAsync();
        await page.Locator("input[name=firstName]").WaitForAsync();
        Assert.Equal("Renata", await page.InputValueAsync("input[name=firstName]"));
        AssertNoScriptErrors(page);
    }

    /// <summary>
    /// Stored XSS: every string a user or an API key holder stores (application, service and subject names, first and last
    /// names, webhook addresses; the audit log repeats them) is shown as text, never parsed as markup, on every page that
    /// shows it. Each payload would run a script and leave an element behind if it were parsed.
    /// </summary>
    [BrowserFact]
    public async Task EveryPage_NamesHoldingMarkup_AreShownAsTextAndNothingRuns()
    {
        var page = await OwnerPageAsync(node);
        var api = page.Context.APIRequest;
        // The markup a stored name carries, numbered by place; at most 50 characters (subject names).
        static string Name(int where) => $"<img src=x data-xss={where} onerror=window.xss={where}>";

        // A user whose names are markup, a member of an application whose name is markup, with a service and a subject
        // whose names are markup, and a webhook whose address carries markup.
        var email = "xss-" + Guid.NewGuid().ToString("N")[..12] + "@example.com";
        var register = await api.PostAsync("/admin/user/register", new() { DataObject = new { email, password = UserPassword, firstName = Name(1), lastName = Name(2) } });
        Assert.Equal(201, register.Status);
        var appId = (await JsonAsync(await api.PostAsync("/admin/app", new() { DataObject = new { name = Name(3) } }))).GetProperty("id").GetString()!;
        var service = await JsonAsync(await api.PostAsync($"/admin/app/{appId}/model", new() { DataObject = new { name = Name(4), type = "RECOGNITION" } }));
        var serviceId = service.GetProperty("id").GetString()!;
        await JsonAsync(await api.PostAsync($"/admin/app/{appId}/invite", new() { DataObject = new { userEmail = email, role = "USER" } }));
        await AddExampleAsync(page, service.GetProperty("apiKey").GetString()!, Name(5), TestPictures.PersonAPhotos[0]);
        var hookUrl = "http://127.0.0.1:9/hook?" + Name(6);
        await JsonAsync(await api.PostAsync($"/admin/app/{appId}/model/{serviceId}/webhooks", new() { DataObject = new { url = hookUrl, events = HookEvents, enabled = true } }));

        var pages = new (string Route, string Shows)[]
        {
            ("/apps", Name(3)),
            ($"/apps/{appId}", Name(4)),
            ($"/apps/{appId}/members", Name(1)),
            ($"/apps/{appId}/services/{serviceId}?subject={Uri.EscapeDataString(Name(5))}", Name(5)),
            ($"/apps/{appId}/services/{serviceId}/test", Name(4)),
            ($"/apps/{appId}/services/{serviceId}/usage", Name(4)),
            ($"/apps/{appId}/services/{serviceId}/webhooks", "127.0.0.1:9/hook?"),
            ("/users", Name(2)),
            ("/audit", Name(3)),
        };
        foreach (var (route, shows) in pages)
        {
            // A fresh load for each page (the first is already open, and a hash change alone would not redraw it).
            await page.GotoAsync("about:blank");
            await page.GotoAsync("/#" + route);
            await page.Locator("#view", new() { HasText = shows }).WaitForAsync();
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            var parsed = await page.EvaluateAsync<int>("() => document.querySelectorAll('[data-xss], [onerror]').length");
            var ran = await page.EvaluateAsync<bool>("() => window.xss !== undefined");
            Assert.True(parsed == 0 && !ran, $"#{route}: {parsed} elements parsed from a stored name, script ran: {ran}");
        }

        AssertNoScriptErrors(page);
    }

    private static async Task<string> CreateAppAsync(IPage page)
    {
        var response = await page.Context.APIRequest.PostAsync("/admin/app", new() { DataObject = new { name = "App " + Guid.NewGuid().ToString("N")[..12] } });
        Assert.True(response.Ok, await response.TextAsync());
        return (await response.JsonAsync())!.Value.GetProperty("id").GetString()!;
    }
}
