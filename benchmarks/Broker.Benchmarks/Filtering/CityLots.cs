using System.Globalization;
using System.Text;

namespace Broker.Benchmarks.Filtering;

/// <summary>
/// Deterministic stand-ins for aws/event-ruler's citylots2 benchmark events: San Francisco lot features in GeoJSON, each
/// about 1 KB, with string properties (block, lot, street) and a polygon of full-precision coordinates.
/// </summary>
internal static class CityLots
{
    public static readonly string[] Streets =
    [
        "UNKNOWN", "CRANLEIGH", "FULTON", "MASON", "JEFFERSON", "BEACH", "NORTH POINT", "BAY", "CHESTNUT", "LOMBARD",
        "GREENWICH", "FILBERT", "UNION", "GREEN", "VALLEJO", "BROADWAY", "PACIFIC", "JACKSON", "WASHINGTON", "CLAY",
    ];

    private static readonly string[] StreetTypes = ["ST", "AVE", "WAY", "TER", "PL", "BLVD"];

    public static byte[][] Generate(int count, int seed = 20260101)
    {
        var random = new Random(seed);
        var events = new byte[count][];
        var text = new StringBuilder(1400);
        for (var i = 0; i < count; i++)
        {
            text.Clear();
            var block = random.Next(1, 8000).ToString("D4", CultureInfo.InvariantCulture);
            var lot = random.Next(1, 400).ToString("D3", CultureInfo.InvariantCulture);
            var street = Streets[random.Next(Streets.Length)];
            var fromStreet = random.Next(0, 3000).ToString(CultureInfo.InvariantCulture);
            var toStreet = random.Next(0, 3000).ToString(CultureInfo.InvariantCulture);
            text.Append("{\"type\":\"Feature\",\"properties\":{\"MAPBLKLOT\":\"").Append(block).Append(lot)
                .Append("\",\"BLKLOT\":\"").Append(block).Append(lot)
                .Append("\",\"BLOCK_NUM\":\"").Append(block)
                .Append("\",\"LOT_NUM\":\"").Append(lot)
                .Append("\",\"FROM_ST\":\"").Append(fromStreet)
                .Append("\",\"TO_ST\":\"").Append(toStreet)
                .Append("\",\"STREET\":\"").Append(street).Append("\",");
            text.Append(random.Next(4) == 0 ? "\"ST_TYPE\":null," : "\"ST_TYPE\":\"" + StreetTypes[random.Next(StreetTypes.Length)] + "\",");
            text.Append("\"ODD_EVEN\":\"").Append(random.Next(2) == 0 ? "E" : "O")
                .Append("\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[");
            var x = -122.52 + (random.NextDouble() * 0.17);
            var y = 37.70 + (random.NextDouble() * 0.11);
            for (var p = 0; p < 16; p++)
            {
                var px = x + (random.NextDouble() * 0.0005);
                var py = y + (random.NextDouble() * 0.0005);
                text.Append(CultureInfo.InvariantCulture, $"{(p > 0 ? "," : string.Empty)}[{px:R},{py:R},0.0]");
            }

            text.Append("]]}}");
            events[i] = Encoding.UTF8.GetBytes(text.ToString());
        }

        return events;
    }
}
