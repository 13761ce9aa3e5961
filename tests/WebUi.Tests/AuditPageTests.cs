using Microsoft.Playwright;
using static CompreFace.WebUi.Tests.PageChecks;

namespace CompreFace.WebUi.Tests;

/// <summary>The audit log page (#/audit, decision 0025) in a real browser: filters, and who sees it.</summary>
[Collection(PagesGroup.Name)]
public sealed class AuditPageTests(WebUiNode node)
{
    [BrowserFact]
    public async Task AuditPage_OwnerFiltersByActionAndApplication_ShowsOnlyMatchingEvents()
    {
        var page = await node.NewPageAsync();
        await EnsureOwnerAsync(page);
        await LogInAsync(page, OwnerEmail, OwnerPassword);
        var (appId, _, apiKey) = await CreateServiceAsync(page, "RECOGNITION");
        await AddExampleAsync(page, apiKey, "Audit subject", TestPictures.PersonAPhotos[0]);

        await page.ClickAsync("nav >> text=Audit log");
        await page.WaitForURLAsync("**/#/audit");
        await page.Locator("h1", new() { HasText = "Audit log" }).WaitForAsync();
        Assert.True(await page.Locator("tr[data-testid=audit-row]").CountAsync() > 0);
        await page.Locator("td[data-action='user.login']").First.WaitForAsync();

        await page.SelectOptionAsync("select[aria-label=Action]", "face.add");
        await page.SelectOptionAsync("select[aria-label=Application]", appId);
        await page.ClickAsync("form button[type=submit]");
        await page.WaitForURLAsync("**/#/audit?*action=face.add*");
        // The URL changes before the filtered list replaces the unfiltered one, so wait for the list itself.
        var rows = page.Locator("tr[data-testid=audit-row]");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        var row = await rows.First.InnerTextAsync();
        Assert.Contains("Face added", row, StringComparison.Ordinal);
        Assert.Contains("RECOGNITION service", row, StringComparison.Ordinal);
        Assert.DoesNotContain("Audit subject", row, StringComparison.Ordinal);
        Assert.DoesNotContain(apiKey, await page.ContentAsync(), StringComparison.OrdinalIgnoreCase);
        await ScreenshotAsync(page, "40-audit-log-filtered");

        // A filter that matches nothing says so; Clear shows everything again.
        await page.FillAsync("input[aria-label=Actor]", "nobody-" + Guid.NewGuid().ToString("N") + "@example.com");
        await page.ClickAsync("form button[type=submit]");
        await page.Locator(".empty", new() { HasText = "No events" }).WaitForAsync();
        await page.ClickAsync("text=Clear");
        await page.WaitForURLAsync("**/#/audit");
        await page.Locator("tr[data-testid=audit-row]").First.WaitForAsync();
        AssertNoScriptErrors(page);
    }

    [BrowserFact]
    public async Task AuditPage_UserWhoOwnsNoApplication_HasNoLinkAndIsTold()
    {
        var email = await RegisterUserAsync(node);
        var page = await node.NewPageAsync();
        await LogInAsync(page, email, UserPassword);
        Assert.Equal(0, await page.Locator("nav >> text=Audit log").CountAsync());
        await page.GotoAsync("/#/audit");
        await page.Locator("p", new() { HasText = "Only the global owner and administrators read the audit log" }).WaitForAsync();
        Assert.Equal(0, await page.Locator("tr[data-testid=audit-row]").CountAsync());
        AssertNoScriptErrors(page);
    }
}
