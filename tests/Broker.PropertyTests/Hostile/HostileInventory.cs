namespace Broker.PropertyTests.Hostile;

/// <summary>
/// The hostile-input suite: every public entry point of the engine that takes caller input, and the property that
/// feeds it hostile values. Each property gives every call a fresh, seeded <see cref="HostileWorld"/> and holds it to
/// <see cref="Expect.Outcome(HostileWorld, string, Verdict, Func{ValueTask})"/>: success only where the input is valid,
/// otherwise a <see cref="BrokerException"/> with the code AWS uses, and a <see cref="BrokerSnapshot"/> after a failure
/// equal to the one before.
/// </summary>
internal static class HostileInventory;
