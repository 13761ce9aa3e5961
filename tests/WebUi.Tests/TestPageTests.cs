using static CompreFace.WebUi.Tests.PageChecks;

namespace CompreFace.WebUi.Tests;

/// <summary>The TEST pages of detection and verification services, in a real browser.</summary>
[Collection(PagesGroup.Name)]
public sealed class TestPageTests(WebUiNode node)
{
    [BrowserFact]
    public async Task DetectionTestPage_TwoPeople_DrawsBoxesLandmarksAndPluginLabels()
    {
        var page = await node.NewPageAsync();
        await EnsureOwnerAsync(page);
        await LogInAsync(page, OwnerEmail, OwnerPassword);
        var (appId, serviceId, _) = await CreateServiceAsync(page, "DETECTION");

        await page.GotoAsync($"/#/apps/{appId}/services/{serviceId}/test");
        await page.SetInputFilesAsync("[data-testid=test-file]", node.Pictures.Composite);
        await page.Locator("text=2 face(s) found.").WaitForAsync();
        var faces = await DrawnFacesAsync(page);
        await ScreenshotAsync(page, "08-test-detection");

        var split = (double)node.Pictures.CompositeSplitX / node.Pictures.CompositeWidth;
        Assert.Equal(2, faces.Count);
        Assert.Single(faces, f => f.CenterX < split);
        Assert.Single(faces, f => f.CenterX > split);
        foreach (var (label, _, _) in faces)
        {
            Assert.StartsWith("face 0.", label, StringComparison.Ordinal);
            Assert.Matches(@"age \d+–\d+ · (male|female)", label);
            Assert.Contains("mask", label, StringComparison.Ordinal);
            Assert.Matches(@"yaw -?\d+° pitch -?\d+° roll -?\d+°", label);
        }

        // Five landmarks per face, each inside the picture; the raw JSON answer is shown beside it.
        Assert.Equal(10, await page.Locator(".stage .landmark").CountAsync());
        var json = await page.Locator("[data-testid=json]").InnerTextAsync();
        Assert.Contains("\"landmarks\"", json, StringComparison.Ordinal);
        Assert.Contains("\"x_min\"", json, StringComparison.Ordinal);
        AssertNoScriptErrors(page);
    }

    [BrowserFact]
    public async Task VerificationTestPage_SourceAgainstTwoPeople_MarksTheSamePersonOnly()
    {
        var page = await node.NewPageAsync();
        await EnsureOwnerAsync(page);
        await LogInAsync(page, OwnerEmail, OwnerPassword);
        var (appId, serviceId, _) = await CreateServiceAsync(page, "VERIFY");

        await page.GotoAsync($"/#/apps/{appId}/services/{serviceId}/test");
        await page.SetInputFilesAsync("[data-testid=verify-source]", TestPictures.PersonAPhotos[0]);
        await page.SetInputFilesAsync("[data-testid=verify-target]", node.Pictures.Composite);
        var verdict = page.Locator("[data-testid=verdict]");
        await verdict.WaitForAsync();
        await ScreenshotAsync(page, "09-test-verification");

        Assert.StartsWith("Same person", await verdict.InnerTextAsync(), StringComparison.Ordinal);
        var source = await DrawnFacesAsync(page, ".pair > div:first-child .stage");
        Assert.StartsWith("source", Assert.Single(source).Label, StringComparison.Ordinal);

        // The target holds person A (left) and person B (right): only A is "same person".
        var targets = await DrawnFacesAsync(page, ".pair > div:last-child .stage");
        var split = (double)node.Pictures.CompositeSplitX / node.Pictures.CompositeWidth;
        Assert.Equal(2, targets.Count);
        Assert.InRange(Assert.Single(targets, f => f.Label.StartsWith("same person", StringComparison.Ordinal)).CenterX, 0, split);
        Assert.InRange(Assert.Single(targets, f => f.Label.StartsWith("different person", StringComparison.Ordinal)).CenterX, split, 1);
        Assert.Contains("\"face_matches\"", await page.Locator("[data-testid=json]").InnerTextAsync(), StringComparison.Ordinal);
        AssertNoScriptErrors(page);
    }

    [BrowserFact]
    public async Task TestPage_PictureWithoutFace_ShowsTheApiErrorInWords()
    {
        var page = await node.NewPageAsync();
        await EnsureOwnerAsync(page);
        await LogInAsync(page, OwnerEmail, OwnerPassword);
        var (appId, serviceId, _) = await CreateServiceAsync(page, "DETECTION");

        await page.GotoAsync($"/#/apps/{appId}/services/{serviceId}/test");
        await page.SetInputFilesAsync("[data-testid=test-file]", SharedData.Sample("017_0.jpg"));
        var alert = page.Locator(".card [role=alert]");
        await alert.WaitForAsync();

        Assert.Contains("No face was found in this picture", await alert.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("code 28", await alert.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("\"code\": 28", await page.Locator("[data-testid=json]").InnerTextAsync(), StringComparison.Ordinal);
        AssertNoScriptErrors(page);
    }

    [BrowserFact]
    public async Task UsagePage_AfterTwoTests_CountsTwoRequestsToday()
    {
        var page = await node.NewPageAsync();
        await EnsureOwnerAsync(page);
        await LogInAsync(page, OwnerEmail, OwnerPassword);
        var (appId, serviceId, _) = await CreateServiceAsync(page, "DETECTION");

        await page.GotoAsync($"/#/apps/{appId}");
        await page.ClickAsync("text=Usage");
        await page.Locator(".empty", new() { HasText = "No requests yet" }).WaitForAsync();

        await page.GotoAsync($"/#/apps/{appId}/services/{serviceId}/test");
        foreach (var picture in new[] { TestPictures.PersonAOther, TestPictures.PersonBOther })
        {
            // Wait for each answer itself: the page still shows the first picture's "1 face(s) found." while the second
            // request is in flight, so waiting for the text alone could flush before the second request was counted.
            await page.RunAndWaitForResponseAsync(
                () => page.SetInputFilesAsync("[data-testid=test-file]", picture),
                r => r.Request.Method == "POST" && r.Url.Contains("/api/v1/", StringComparison.Ordinal));
            await page.Locator("text=1 face(s) found.").WaitForAsync();
        }

        // Counts are flushed in the background; flushing now is the barrier after which the page must show both.
        await node.FlushStatisticsAsync();
        await page.GotoAsync($"/#/apps/{appId}/services/{serviceId}/usage");
        await page.Locator("[data-testid=usage-total]", new() { HasText = "2 request(s) on 1 day(s)." }).WaitForAsync();
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(today, await page.Locator("[data-testid=usage]").InnerTextAsync(), StringComparison.Ordinal);
        await ScreenshotAsync(page, "18-usage");
        AssertNoScriptErrors(page);
    }
}
