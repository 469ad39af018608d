using Mesh.Api.Model;

namespace Mesh.Api.Tests.Model;

public sealed class LabelSelectorTests
{
    [Theory]
    [InlineData("", "", true)]
    [InlineData("", "app=a", true)]
    [InlineData("app=a", "app=a", true)]
    [InlineData("app=a", "app=a,version=v1", true)]
    [InlineData("app=a,version=v1", "app=a,version=v1", true)]
    [InlineData("app=a", "", false)]
    [InlineData("app=a", "app=b", false)]
    [InlineData("app=a,version=v1", "app=a", false)]
    [InlineData("app=a", "App=a", false)]
    [InlineData("app=", "app=", true)]
    [InlineData("app=", "app=a", false)]
    public void Matches_SelectorAndLabels_EverySelectorLabelWithTheSameValue(string selector, string labels, bool expected) =>
        Assert.Equal(expected, LabelSelector.Matches(Parse(selector), Parse(labels)));

    private static Dictionary<string, string> Parse(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
}
