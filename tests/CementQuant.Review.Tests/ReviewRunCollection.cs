namespace CementQuant.Review.Tests;

/// <summary>The test classes that share one phantom run.</summary>
[CollectionDefinition(Name)]
public sealed class ReviewRunCollection : ICollectionFixture<ReviewRunFixture>
{
    public const string Name = "review run";
}
