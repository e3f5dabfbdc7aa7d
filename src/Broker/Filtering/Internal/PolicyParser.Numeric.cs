using System.Text.Json;

namespace Broker.Filtering.Internal;

/// <summary>
/// <c>{"numeric":[...]}</c>: <c>["=", n]</c>, one bound (<c>[">", n]</c>), or a lower bound followed by an upper bound,
/// validated with Ruler's messages in Ruler's order.
/// </summary>
internal sealed partial class PolicyParser
{
    private NumericRange ReadNumeric(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Fail("Value of numeric must be an array.");
        }

        var items = new List<JsonElement>();
        foreach (var item in value.EnumerateArray())
        {
            items.Add(item);
        }

        if (items.Count == 0)
        {
            throw Fail("Invalid member in numeric match: ]");
        }

        var op = items[0].ValueKind == JsonValueKind.String
            ? items[0].GetString()!
            : throw Fail("Invalid member in numeric match: " + items[0].GetRawText());
        switch (op)
        {
            case "=":
                var equal = NumericOperand(items, 1, "equals");
                return items.Count > 2 ? throw Fail("Too many elements in numeric expression") : NumericRange.Equal(equal);
            case "<":
            case "<=":
                var top = NumericOperand(items, 1, op);
                return items.Count > 2
                    ? throw Fail("Too many elements in numeric expression")
                    : new NumericRange(double.NegativeInfinity, false, top, op == "<=");
            case ">":
            case ">=":
                var bottom = NumericOperand(items, 1, op);
                if (items.Count == 2)
                {
                    return new NumericRange(bottom, op == ">=", double.PositiveInfinity, false);
                }

                var upperOp = items[2].ValueKind == JsonValueKind.String
                    ? items[2].GetString()!
                    : throw Fail("Bad value in numeric range: " + items[2].GetRawText());
                if (upperOp is not ("<" or "<="))
                {
                    throw Fail("Bad numeric range operator: " + upperOp);
                }

                var upper = NumericOperand(items, 3, upperOp);
                if (bottom >= upper)
                {
                    throw Fail("Bottom must be less than top");
                }

                return items.Count > 4
                    ? throw Fail("Too many terms in numeric range expression")
                    : new NumericRange(bottom, op == ">=", upper, upperOp == "<=");
            default:
                throw Fail("Unrecognized numeric range operator: " + op);
        }
    }

    private double NumericOperand(List<JsonElement> items, int index, string op)
    {
        if (index >= items.Count || items[index].ValueKind != JsonValueKind.Number
            || !double.TryParse(items[index].GetRawText(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            throw Fail("Value of " + op + " must be numeric");
        }

        return value;
    }
}
