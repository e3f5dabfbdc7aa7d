namespace Broker.PropertyTests.Hostile;

/// <summary>
/// What a hostile call may do. <see cref="MustFail"/>: the input is known to be invalid and the call must fail with
/// one of <see cref="Allowed"/> (usually exactly one AWS error code). Otherwise the call may succeed, or fail with one of
/// <see cref="Allowed"/>.
/// <see cref="NullGiven"/>: a null went where the API is annotated non-null, so <see cref="ArgumentNullException"/> is
/// also acceptable (a .NET caller bug, not wire input AWS would ever see). <see cref="Cancelled"/>: the token was
/// already cancelled, so <see cref="OperationCanceledException"/> is also acceptable.
/// </summary>
internal sealed record Verdict(bool MustFail, IReadOnlyCollection<string> Allowed, bool NullGiven = false, bool Cancelled = false)
{
    public static Verdict Fails(string code) => new(true, [code]);

    public static Verdict FailsWithOneOf(params string[] codes) => new(true, codes);

    public static Verdict MaySucceedOr(params string[] codes) => new(false, codes);

    public override string ToString() =>
        MustFail ? $"must fail with {string.Join(" or ", Allowed)}" : $"may succeed or fail with {(Allowed.Count == 0 ? "nothing" : string.Join(" or ", Allowed))}";
}

/// <summary>Runs hostile calls against a <see cref="HostileWorld"/> and enforces the outcome and state rules.</summary>
internal static class Expect
{
    /// <summary>A hang guard, not a timing assertion: a call that has not finished by then is stuck.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Takes a snapshot, makes the call (on the thread pool, so a call that blocks or loops synchronously is caught by
    /// the hang guard too), and checks: success only when the verdict allows it; failure only as the verdict allows;
    /// and after any failure, a snapshot equal to the one before.
    /// </summary>
    public static void Outcome(HostileWorld world, string what, Verdict verdict, Func<ValueTask> call)
    {
        var before = BrokerSnapshot.Take(world.Broker);
        var failure = Run(call);
        if (failure is null)
        {
            if (verdict.MustFail)
            {
                throw new HostileOutcomeException($"{what}: accepted, but it {verdict}.");
            }

            return;
        }

        var acceptable = failure switch
        {
            BrokerException broker => verdict.Allowed.Contains(broker.ErrorCode),
            ArgumentNullException => verdict.NullGiven,
            OperationCanceledException => verdict.Cancelled,
            _ => false,
        };
        if (!acceptable)
        {
            throw new HostileOutcomeException($"{what}: threw {Describe(failure)}, but it {verdict}.", failure);
        }

        var after = BrokerSnapshot.Take(world.Broker);
        if (before != after)
        {
            throw new HostileOutcomeException($"{what}: failed with {Describe(failure)} but changed the broker:{Environment.NewLine}{Diff(before, after)}");
        }
    }

    public static void Outcome(HostileWorld world, string what, Verdict verdict, Action call) =>
        Outcome(world, what, verdict, () =>
        {
            call();
            return ValueTask.CompletedTask;
        });

    /// <summary>The call's exception, or null when it succeeded.</summary>
    public static Exception? Run(Func<ValueTask> call)
    {
        try
        {
            Task.Run(async () => await call().ConfigureAwait(false)).WaitAsync(HangGuard).GetAwaiter().GetResult();
            return null;
        }
        catch (TimeoutException timeout)
        {
            throw new HostileOutcomeException("The call did not finish within the hang guard.", timeout);
        }
        catch (Exception failure)
        {
            return failure;
        }
    }

    private static string Describe(Exception failure) =>
        failure is BrokerException broker ? $"BrokerException {broker.ErrorCode} ({broker.Message})" : $"{failure.GetType().Name} ({failure.Message})";

    private static string Diff(string before, string after)
    {
        var old = before.Split(Environment.NewLine);
        var now = after.Split(Environment.NewLine);
        return string.Join(Environment.NewLine, old.Except(now).Select(l => "- " + l).Concat(now.Except(old).Select(l => "+ " + l)));
    }
}

/// <summary>A hostile call broke the outcome or state rule; the message says which call and how.</summary>
internal sealed class HostileOutcomeException : Exception
{
    public HostileOutcomeException(string message)
        : base(message)
    {
    }

    public HostileOutcomeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
