using static CompreFace.WebUi.Tests.PageChecks;

namespace CompreFace.WebUi.Tests;

/// <summary>The UI's session handling against the real cookies (docs/compreface-behaviour.md#admin-sessions).</summary>
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

    [BrowserFact]
    public async Task SignUpPage_RegistrationClosedOrByInvitation_SaysSo()
    {
        var page = await node.NewPageAsync();

        // The server's answer to /admin/config under Admin:Registration=Closed, then InviteOnly (the admin tests pin the
        // server side); this checks what the page makes of it.
        var registration = "CLOSED";
        await page.RouteAsync("**/admin/config", route => route.FulfillAsync(new()
        {
            Status = 200, ContentType = "application/json", Body = $$"""{"mailServiceEnabled":false,"registration":"{{registration}}"}""",
        }));
        await page.GotoAsync("/#/signup");
        var status = page.Locator("[role=status]", new() { HasText = "Sign-up is closed on this server" });
        await status.WaitForAsync();
        Assert.Equal(0, await page.Locator("input[name=email]").CountAsync());

        registration = "INVITE_ONLY";
        await page.GotoAsync("/#/login");
        await page.GotoAsync("/#/signup");
        await page.Locator("[role=note]", new() { HasText = "by invitation" }).WaitForAsync();
        Assert.Equal(1, await page.Locator("input[name=email]").CountAsync());
        AssertNoScriptErrors(page);
    }

    [BrowserFact]
    public async Task MailedLinks_LoginAndResetPassword_OpenTheirPages()
    {
        var page = await node.NewPageAsync();

        // The paths the admin API mails (docs/compreface-behaviour.md#users) are redirected to the UI's hash routes, query kept.
        await page.GotoAsync("/login");
        await page.WaitForURLAsync("**/#/login");
        await page.Locator("h1", new() { HasText = "Log in" }).WaitForAsync();

        await page.GotoAsync("/reset-password?token=not-a-real-token");
        await page.WaitForURLAsync("**/#/reset-password?token=not-a-real-token");
        await page.FillAsync("input[name=newPassword]", "a-new-password-1");
        await page.ClickAsync("form button[type=submit]");
        var alert = page.Locator("[role=alert]");
        await alert.WaitForAsync();
        Assert.Contains("This reset link is invalid, already used or expired", await alert.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("code 30", await alert.InnerTextAsync(), StringComparison.Ordinal);
        AssertNoScriptErrors(page);
    }

    [BrowserFact]
    public async Task ForgotPassword_MailOff_SaysWhomToAsk()
    {
        var page = await node.NewPageAsync();
        await page.GotoAsync("/#/login", new() { WaitUntil = Microsoft.Playwright.WaitUntilState.NetworkIdle });
        await page.ClickAsync("text=Forgot your password?");
        await page.Locator("text=This server does not send email").WaitForAsync();
        await ScreenshotAsync(page, "17-forgot-password");
        AssertNoScriptErrors(page);
    }
}
