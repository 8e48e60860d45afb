namespace CementQuant.Reporting.Tests;

/// <summary>CSV cells against formula injection (issue 21): text a spreadsheet would evaluate is defused, numbers are not.</summary>
public sealed class CsvTests
{
    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tTAB", "'\tTAB")]
    public void Cell_TextStartingWithFormulaCharacter_PrefixedWithApostrophe(string text, string expected) =>
        Assert.Equal(expected, Csv.Cell(text));

    [Theory]
    [InlineData("-1024", "-1024")]
    [InlineData("+3.5", "+3.5")]
    [InlineData("L3", "L3")]
    [InlineData("a-b", "a-b")]
    public void Cell_NumberTextOrHarmlessText_Unchanged(string text, string expected) =>
        Assert.Equal(expected, Csv.Cell(text));

    [Fact]
    public void Cell_NegativeNumbers_StayNumbers()
    {
        Assert.Equal("-3.5", Csv.Cell(-3.5));
        Assert.Equal("-7", Csv.Cell(-7));
    }
}
