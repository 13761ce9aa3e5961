using Xunit.Abstractions;
using Xunit.Sdk;

namespace CompreFace.Store.Tests;

/// <summary>
/// A contract test. It runs for every store; on a class marked <see cref="RequiresPostgresAttribute"/> it is skipped,
/// with the reason, when <c>COMPREFACE_TEST_POSTGRES</c> is absent, unless <c>CI=true</c>, where it runs and fails.
/// (xunit 2 has no dynamic skip, and the tests are declared once on the abstract base class.)
/// </summary>
[XunitTestCaseDiscoverer("CompreFace.Store.Tests.StoreFactDiscoverer", "CompreFace.Store.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute;

/// <summary>Marks a test class whose tests need the PostgreSQL server of <see cref="PostgresServer"/>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class RequiresPostgresAttribute : Attribute;

public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : IXunitTestCaseDiscoverer
{
    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        [new StoreTestCase(diagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod)];
}

public sealed class StoreTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public StoreTestCase()
    {
    }

    public StoreTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod)
    {
    }

    // Recomputed after de-serialization too, so nothing extra needs serializing.
    protected override string GetSkipReason(IAttributeInfo factAttribute)
    {
        var needsPostgres = TestMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresPostgresAttribute).AssemblyQualifiedName).Any();
        return needsPostgres && PostgresServer.SkipReason is { } reason ? reason : base.GetSkipReason(factAttribute);
    }
}
