using static CompreFace.WebUi.Tests.PageChecks;

namespace CompreFace.WebUi.Tests;

/// <summary>The two demos: the key-only tutorial and live recognition from Chromium's fake camera.</summary>
[Collection(PagesGroup.Name)]
public sealed class DemoTests(WebUiNode node)
{
    [BrowserFact]
    public async Task Tutorial_KeyFacesThenPhoto_NamesThePerson()
    {
        var page = await node.NewPageAsync();
        await EnsureOwnerAsync(page);
        await LogInAsync(page, OwnerEmail, OwnerPassword);
        var (_, _, apiKey) = await CreateServiceAsync(page, "RECOGNITION");

        // The tutorial needs no session: a fresh context with only the key.
        var visitor = await node.NewPageAsync();
        await visitor.GotoAsync("/#/demo/tutorial");
        await visitor.FillAsync("input[name=apiKey]", apiKey);
        await visitor.ClickAsync("text=Check key");
        await visitor.Locator("text=The key works: this collection has 0 subject(s).").WaitForAsync();

        foreach (var (name, photo) in new[] { (TestPictures.PersonA, TestPictures.PersonAPhotos[0]), (TestPictures.PersonB, TestPictures.PersonBPhotos[0]) })
        {
            await visitor.FillAsync("input[name=personName]", name);
            await visitor.SetInputFilesAsync("[data-testid=tutorial-add]", photo);
            await visitor.Locator("[data-testid=added] li", new() { HasText = name }).WaitForAsync();
        }

        await visitor.SetInputFilesAsync("[data-testid=tutorial-recognize]", TestPictures.PersonBOther);
        var label = visitor.Locator("[data-testid=face-label]");
        await label.WaitForAsync();
        await ScreenshotAsync(visitor, "10-demo-tutorial");
        Assert.StartsWith(TestPictures.PersonB, await label.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await label.CountAsync());
        AssertNoScriptErrors(visitor);
    }

    [BrowserFact]
    public async Task Tutorial_LinkCarryingAKey_LeavesTheKeyFieldToTheVisitor()
    {
        // A link with someone else's key would send the photos the visitor adds to that person's collection.
        var visitor = await node.NewPageAsync();
        await visitor.GotoAsync($"/#/demo/tutorial?key={Guid.NewGuid()}");
        await visitor.Locator("input[name=apiKey]").WaitForAsync();
        Assert.Equal(string.Empty, await visitor.InputValueAsync("input[name=apiKey]"));
        await visitor.GotoAsync($"/#/demo/webcam?key={Guid.NewGuid()}");
        await visitor.Locator("h1", new() { HasText = "Webcam demo" }).WaitForAsync();
        Assert.Equal(string.Empty, await visitor.InputValueAsync("input[name=apiKey]"));
        AssertNoScriptErrors(visitor);
    }

    [BrowserFact]
    public async Task Tutorial_WrongKey_SaysWhatIsWrong()
    {
        var visitor = await node.NewPageAsync();
        await visitor.GotoAsync("/#/demo/tutorial");
        await visitor.FillAsync("input[name=apiKey]", Guid.NewGuid().ToString());
        await visitor.ClickAsync("text=Check key");
        var alert = visitor.Locator("[role=alert]");
        await alert.WaitForAsync();
        Assert.Contains("No service of this type has this API key", await alert.InnerTextAsync(), StringComparison.Ordinal);
    }

    [BrowserFact]
    public async Task Webcam_FakeCameraOfAnEnrolledPerson_ShowsTheirNameLive()
    {
        var page = await node.NewPageAsync();
        await EnsureOwnerAsync(page);
        await LogInAsync(page, OwnerEmail, OwnerPassword);
        var (_, _, apiKey) = await CreateServiceAsync(page, "RECOGNITION");
        foreach (var photo in TestPictures.PersonAPhotos)
        {
            await AddExampleAsync(page, apiKey, TestPictures.PersonA, photo);
        }

        await AddExampleAsync(page, apiKey, TestPictures.PersonB, TestPictures.PersonBPhotos[0]);

        // The camera is Chromium's fake device playing a Y4M of person A (img4, not enrolled).
        await page.GotoAsync("/#/demo/webcam");
        await page.FillAsync("input[name=apiKey]", apiKey);
        await page.ClickAsync("text=Start camera");
        var label = page.Locator("[data-testid=face-label]", new() { HasText = TestPictures.PersonA });
        await label.WaitForAsync();

        // Live: several frames are sent, not one.
        await page.Locator("[data-testid=webcam-status]", new() { HasTextRegex = new System.Text.RegularExpressions.Regex(@"1 face\(s\) · \d+\.\d frames/s") }).WaitForAsync();
        var faces = await DrawnFacesAsync(page);
        await ScreenshotAsync(page, "11-demo-webcam");

        // Live but not flooding: further frames keep coming, at most 4 a second (the page's MAX_FPS), one at a time.
        // Only the upper bound is timed: a loaded CI machine may answer slower, never faster.
        // The send times are taken in the page (performance.now() when the page calls fetch), not when this process
        // hears of the requests: under load the test process receives those events in bursts.
        await page.EvaluateAsync("""
            () => {
              window.__recognizeSends = [];
              const original = window.fetch;
              window.fetch = (input, init) => {
                const url = typeof input === 'string' ? input : input.url;
                if (url.includes('/api/v1/recognition/recognize')) window.__recognizeSends.push(performance.now());
                return original(input, init);
              };
            }
            """);
        await page.WaitForFunctionAsync("() => window.__recognizeSends.length >= 4", null, new() { Timeout = 60_000 });
        var times = await page.EvaluateAsync<double[]>("() => window.__recognizeSends.slice(0, 4)");

        Assert.True(times[3] - times[0] >= 3 * 240, $"3 frames in {times[3] - times[0]} ms: faster than 4 a second.");
        var rate = System.Text.RegularExpressions.Regex.Match(await page.Locator("[data-testid=webcam-status]").InnerTextAsync(), @"(\d+\.\d) frames/s");
        Assert.True(rate.Success, "The frame rate is shown.");
        Assert.InRange(double.Parse(rate.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 0.1, 4.5);
        await page.ClickAsync("text=Stop");
        AssertNoScriptErrors(page);
    }
}
