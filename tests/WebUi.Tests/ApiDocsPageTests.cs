using Microsoft.Playwright;
using static CompreFace.WebUi.Tests.PageChecks;

namespace CompreFace.WebUi.Tests;

/// <summary>The interactive API reference (<c>/docs</c>, docs/decisions/0028-openapi.md) in a real browser, offline.</summary>
[Collection(PagesGroup.Name)]
public sealed class ApiDocsPageTests(WebUiNode node)
{
    [BrowserFact]
    public async Task ApiDocsLink_FromTheUi_RendersTheReferenceWithoutOtherHosts()
    {
        var page = await node.NewPageAsync();
        var foreign = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(node.BaseAddress.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal)
                && !request.Url.StartsWith("data:", StringComparison.Ordinal) && !request.Url.StartsWith("blob:", StringComparison.Ordinal))
            {
                lock (foreign)
                {
                    foreign.Add(request.Url);
                }
            }
        };

        await page.GotoAsync("/#/login", new() { WaitUntil = WaitUntilState.NetworkIdle });
        await page.ClickAsync("nav >> text=API docs");
        await page.WaitForURLAsync("**/docs**");

        // Scalar draws the document's title and operations from /openapi/v1.json.
        await page.GetByText("CompreFace API").First.WaitForAsync();
        await page.GetByText("the upload limits the UI checks against").First.WaitForAsync();
        await page.GetByText("Recognition").First.WaitForAsync();
        await page.GetByText("Get client config").First.WaitForAsync();
        Assert.DoesNotContain("Ask AI", await page.InnerTextAsync("body"), StringComparison.Ordinal);
        await ScreenshotAsync(page, "20-api-docs");

        lock (foreign)
        {
            Assert.True(foreign.Count == 0, "requests to other hosts: " + string.Join(" | ", foreign));
        }
    }
}
