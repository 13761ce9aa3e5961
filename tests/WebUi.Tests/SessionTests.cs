using static CompreFace.WebUi.Tests.PageChecks;

namespace CompreFace.WebUi.Tests;

/// <summary>The UI's session handling against the real cookies (spec §2.1).</summary>
[Collection(PagesGroup.Name)]
public sealed class SessionTests(WebUiNode node)
{
    [BrowserFact]
    public async Task ExpiredAccessCookie_RefreshCookieLeft_StaysLoggedIn()
    {
        var page = await node.NewPageAsync();
        await EnsureOwnerAsync(page);
        await LogInAsync(page, OwnerEmail, OwnerPassword);

        // As when CFSESSION expires (2400 s) before REFRESH_TOKEN: the next admin call is 401, refreshed once, retried.
        await page.Context.ClearCookiesAsync(new() { Name = "CFSESSION" });
        await page.GotoAsync("/#/account");
        await page.Locator("h1", new() { HasText = "Account" }).WaitForAsync();
        Assert.Contains(await page.Context.CookiesAsync(), c => c.Name == "CFSESSION" && c.Value.Length > 0);
        AssertNoScriptErrors(page);
    }

    [BrowserFact]
    public async Task BothCookiesGone_ProtectedPage_GoesToLogin()
    {
        var page = await node.NewPageAsync();
        await EnsureOwnerAsync(page);
        await LogInAsync(page, OwnerEmail, OwnerPassword);

        await page.Context.ClearCookiesAsync();
        await page.GotoAsync("/#/users");
        await page.ReloadAsync();
        await page.WaitForURLAsync("**/#/login");
        await page.Locator("h1", new() { HasText = "Log in" }).WaitForAsync();
        AssertNoScriptErrors(page);
    }
}
