using CompreFace.WebApi.Binding;
using CompreFace.WebApi.Errors;
using CompreFace.WebApi.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace CompreFace.WebApi.Tests;

/// <summary>The parameter-binding layer without a host.</summary>
public sealed class BindingTests
{
    private static RequestParameters Parameters(string query, Dictionary<string, StringValues>? form = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Query = RequestNormalizationMiddleware.ParseQuery(query);
        return RequestParameters.From(context.Request, form is null ? null : new FormCollection(form));
    }

    [Fact]
    public void ParseQuery_EmptySegmentsAndRepeats_AreNormalised()
    {
        var query = RequestNormalizationMiddleware.ParseQuery("?&limit=1&&face_plugins=landmarks&face_plugins=age%2Cgender&subject=a+b");

        Assert.Equal("1", query["limit"]);
        Assert.Equal("landmarks,age,gender", query["face_plugins"]);
        Assert.Equal("a b", query["subject"]);
        Assert.Equal(3, query.Count);
    }

    [Fact]
    public void ParseQuery_SecondQuestionMark_StaysInTheValue()
    {
        var query = RequestNormalizationMiddleware.ParseQuery("?subject=X?det_prob_threshold=0.8");

        Assert.Equal("X?det_prob_threshold=0.8", query["subject"]);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("ON", true)]
    [InlineData("yes", true)]
    [InlineData("1", true)]
    [InlineData("false", false)]
    [InlineData("Off", false)]
    [InlineData("NO", false)]
    [InlineData("0", false)]
    public void GetBoolean_SpringVocabulary_Parses(string raw, bool expected)
    {
        Assert.Equal(expected, Parameters("?status=" + raw).GetBoolean("status", !expected));
    }

    [Fact]
    public void GetBoolean_Unknown_Throws26()
    {
        var error = Assert.Throws<ApiException>(() => Parameters("?status=perhaps").GetBoolean("status", false));

        Assert.Equal(26, error.Code);
    }

    [Fact]
    public void Get_QueryAndForm_AreJoinedQueryFirstAsSpring()
    {
        var parameters = Parameters("?face_plugins=age&limit=3", new() { ["face_plugins"] = "gender", ["limit"] = "1", ["status"] = "true" });

        Assert.Equal("age,gender", parameters.GetString("face_plugins"));
        Assert.Equal(26, Assert.Throws<ApiException>(() => parameters.GetInt32("limit", 0)).Code);  // "3,1" is no integer
        Assert.True(parameters.GetBoolean("status", false));
    }

    [Fact]
    public void Get_EmptyValue_CountsAsAbsent()
    {
        var parameters = Parameters("?limit=&det_prob_threshold=");

        Assert.Equal(0, parameters.GetInt32("limit", 0));
        Assert.Null(parameters.GetDouble("det_prob_threshold"));
    }

    [Fact]
    public void FaceRequestParameters_Defaults_AreCompreFaces()
    {
        var parsed = FaceRequestParameters.Parse(Parameters(string.Empty));

        Assert.Equal(new FaceRequestParameters(0, null, FacePlugins.None, false), parsed);
    }

    [Fact]
    public void FaceRequestParameters_ThresholdOutOfRange_Throws28()
    {
        var error = Assert.Throws<ApiException>(() => FaceRequestParameters.Parse(Parameters("?det_prob_threshold=NaN")));

        Assert.Equal(28, error.Code);
    }

    [Fact]
    public void FaceRequestParameters_PredictionCountBelowOne_Throws26()
    {
        var error = Assert.Throws<ApiException>(() => FaceRequestParameters.ParsePredictionCount(Parameters("?prediction_count=0")));

        Assert.Equal("prediction_count should be equal or greater than 1; ", error.Message);
    }

    [Fact]
    public void FacePlugins_CommasAndWhitespace_SplitLowerCasedAndCalculatorBySubstring()
    {
        var plugins = FacePlugins.Parse("Landmarks, age  gender,my_calculator_v2");

        Assert.Equal(["landmarks", "age", "gender", "my_calculator_v2"], plugins.Slugs);
        Assert.True(plugins.Landmarks);
        Assert.True(plugins.Calculator);
    }

    [Fact]
    public void FacePlugins_Landmarks2d106_IsNotLandmarks()
    {
        Assert.False(FacePlugins.Parse("landmarks2d106").Landmarks);
    }

    [Theory]
    [InlineData("a.jpg", true)]
    [InlineData("A.JPEG", true)]
    [InlineData("x.y.webp", true)]
    [InlineData("blob.jpeg", true)]
    [InlineData("a.ico", true)]
    [InlineData("a.svg", false)]
    [InlineData("jpg", false)]
    [InlineData("a.", false)]
    [InlineData(null, false)]
    public void HasImageExtension_CompreFaceList(string? name, bool expected)
    {
        Assert.Equal(expected, ImageInput.HasImageExtension(name));
    }

    [Theory]
    [InlineData("QUJD", "ABC")]
    [InlineData("QUI=", "AB")]
    [InlineData("QUI", "AB")]
    [InlineData(" QU\nJD ", "ABC")]
    [InlineData("-_8=", "\u00fb\u00ff")]
    public void DecodeBase64_LenientForms_Decode(string input, string expected)
    {
        Assert.Equal(expected.Select(c => (byte)c).ToArray(), ImageInput.DecodeBase64(input, "content"));
    }

    [Theory]
    [InlineData("data:image/png;base64,QUJD")]
    [InlineData("QU=JD")]
    [InlineData("Q")]
    [InlineData("QUJD===")]
    public void DecodeBase64_Invalid_Throws21(string input)
    {
        var error = Assert.Throws<ApiException>(() => ImageInput.DecodeBase64(input, "content"));

        Assert.Equal(21, error.Code);
    }

    [Fact]
    public void DecodeBase64_Null_Throws5WithJavaField()
    {
        var error = Assert.Throws<ApiException>(() => ImageInput.DecodeBase64(null, "sourceImageBase64"));

        Assert.Equal((5, "Field sourceImageBase64 cannot be empty"), (error.Code, error.Message));
    }
}
