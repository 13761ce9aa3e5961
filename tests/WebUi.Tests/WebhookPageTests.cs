using static CompreFace.WebUi.Tests.PageChecks;

namespace CompreFace.WebUi.Tests;

/// <summary>The webhooks page of a service (docs/webhooks.md) in a real browser.</summary>
[Collection(PagesGroup.Name)]
public sealed class WebhookPageTests(WebUiNode node)
{
    [BrowserFact]
    public async Task WebhooksPage_AddHookAndSendTestEvent_ShowsSecretAndTheDeliveryInTheLog()
    {
        var page = await node.NewPageAsync();
        await EnsureOwnerAsync(page);
        await LogInAsync(page, OwnerEmail, OwnerPassword);
        var (appId, serviceId, _) = await CreateServiceAsync(page, "RECOGNITION");

        await page.GotoAsync($"/#/apps/{appId}/services/{serviceId}/webhooks");
        await page.Locator("h1", new() { HasText = "Webhooks of" }).WaitForAsync();

        // Nothing listens on port 9: the delivery is attempted and logged as retrying with the connection error.
        await page.FillAsync("input[name=url]", "http://127.0.0.1:9/hook");
        await page.ClickAsync("form button[type=submit]");
        var secret = page.Locator("[data-testid=webhook-secret]");
        await secret.WaitForAsync();
        Assert.StartsWith("whsec_", await secret.InnerTextAsync(), StringComparison.Ordinal);
        await page.Locator("[data-testid=webhooks] tr[data-hook='http://127.0.0.1:9/hook']").WaitForAsync();

        await page.ClickAsync("button:has-text('Send test event')");
        await page.Locator("[data-testid=deliveries] td", new() { HasText = "webhook.test" }).WaitForAsync();
        await ScreenshotAsync(page, "21-webhooks");
        AssertNoScriptErrors(page);
    }
}
