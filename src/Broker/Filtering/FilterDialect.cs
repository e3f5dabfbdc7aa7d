namespace Broker.Filtering;

/// <summary>
/// Which service's operator set, limits and error messages a policy follows. Both dialects share one matching engine
/// (the semantics of aws/event-ruler, which both services run).
/// </summary>
public enum FilterDialect
{
    /// <summary>
    /// An SNS subscription filter policy: at most 5 keys and 150 combinations; no <c>wildcard</c>, no anything-but
    /// <c>suffix</c>/<c>wildcard</c>/<c>equals-ignore-case</c> and no ignore-case prefix or suffix. Errors carry
    /// <see cref="BrokerErrorCodes.InvalidParameter"/>.
    /// </summary>
    Sns = 0,

    /// <summary>
    /// An EventBridge event pattern: every operator, at most 1000 <c>$or</c> combinations and a cap on wildcard complexity.
    /// Errors carry <see cref="BrokerErrorCodes.InvalidEventPatternException"/>.
    /// </summary>
    EventBridge = 1,
}
