namespace Broker.Filtering.Internal;

/// <summary>Builds the exceptions a rejected policy throws, with each service's message prefix around Ruler's text.</summary>
internal static class PolicyErrors
{
    public static BrokerException Invalid(FilterDialect dialect, string rulerMessage) => dialect == FilterDialect.Sns
        ? new BrokerException(BrokerErrorCodes.InvalidParameter, "Invalid parameter: FilterPolicy: " + rulerMessage)
        : new BrokerException(BrokerErrorCodes.InvalidEventPatternException, "Event pattern is not valid. Reason: " + rulerMessage);

    public static BrokerException NotJson(FilterDialect dialect, Exception cause)
    {
        var message = "failed to parse JSON. " + cause.Message;
        return dialect == FilterDialect.Sns
            ? new BrokerException(BrokerErrorCodes.InvalidParameter, "Invalid parameter: FilterPolicy: " + message, cause)
            : new BrokerException(BrokerErrorCodes.InvalidEventPatternException, "Event pattern is not valid. Reason: " + message, cause);
    }
}
