namespace Broker;

/// <summary>
/// The one exception type the broker throws for a request it cannot carry out. <see cref="ErrorCode"/> holds the
/// Amazon error name a user of SQS, SNS or Kinesis already knows (for example <c>QueueDoesNotExist</c> or
/// <c>ReceiptHandleIsInvalid</c>); the message says what to fix. A request that fails with this exception changed nothing.
/// </summary>
public class BrokerException : Exception
{
    /// <summary>Creates an exception with an AWS-style error code and a message that says what to fix.</summary>
    /// <param name="errorCode">The AWS error name, one of <see cref="BrokerErrorCodes"/>.</param>
    /// <param name="message">What went wrong and what to change.</param>
    public BrokerException(string errorCode, string message)
        : base(message)
    {
        ArgumentException.ThrowIfNullOrEmpty(errorCode);
        ErrorCode = errorCode;
    }

    /// <summary>Creates an exception with an AWS-style error code, a message and the exception that caused it.</summary>
    /// <param name="errorCode">The AWS error name, one of <see cref="BrokerErrorCodes"/>.</param>
    /// <param name="message">What went wrong and what to change.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public BrokerException(string errorCode, string message, Exception? innerException)
        : base(message, innerException)
    {
        ArgumentException.ThrowIfNullOrEmpty(errorCode);
        ErrorCode = errorCode;
    }

    /// <summary>The AWS error name, for example <c>InvalidParameterValue</c>. See <see cref="BrokerErrorCodes"/>.</summary>
    public string ErrorCode { get; }

    /// <summary>
    /// <see langword="true"/> when the caller's request was at fault (AWS's <c>SenderFault</c>); <see langword="false"/>
    /// when the broker could not serve a valid request (a full queue, a limit that frees up later).
    /// </summary>
    public bool SenderFault => ErrorCode is not (BrokerErrorCodes.OverLimit or BrokerErrorCodes.PurgeQueueInProgress or BrokerErrorCodes.ProvisionedThroughputExceededException or BrokerErrorCodes.InternalFailure);
}
