package dev.etlkit.operators.cdc;

import dev.etlkit.core.RawRecord;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * Generates Debezium records for {@link DebeziumIndependentReferenceTest}: change events of every
 * {@code op} with and without the schema/payload wrapper and before-images of every REPLICA
 * IDENTITY, tombstones, heartbeats, transaction markers, schema changes, the column encodings
 * docs/formats-cdc.md lists, and malformed input. It only writes JSON; what a record should become
 * is the reference's business.
 */
final class DebeziumEnvelopeGenerator {
  private final Random random;
  private final boolean schemaBias;
  private long offset;
  // the Connect schema names of the date/time columns of the event being generated
  private String dayName = "io.debezium.time.Date";
  private String createdName = "io.debezium.time.NanoTimestamp";
  private String shippedName = "io.debezium.time.MicroTimestamp";
  private String atName = "io.debezium.time.MicroTime";

  DebeziumEnvelopeGenerator(long seed) {
    this.random = new Random(seed);
    this.schemaBias = random.nextBoolean();
  }

  RawRecord next() {
    offset++;
    Long timestamp = random.nextInt(8) == 0 ? null : 1_700_000_000_000L + random.nextInt(1 << 30);
    String source = "db.public.ref-0@" + offset;
    long id = random.nextInt(10) == 0 ? Long.MAX_VALUE - random.nextInt(3) : random.nextInt(50);
    byte[] key = random.nextInt(6) == 0 ? null : utf8(key(id));
    int kind = random.nextInt(100);
    String value;
    if (kind < 4) {
      return new RawRecord(key, null, source, timestamp); // Kafka tombstone
    } else if (kind < 6) {
      value = "{\"schema\":null,\"payload\":null}";
    } else if (kind < 8) {
      value =
          "{\"ts_ms\":"
              + (1_700_000_000_000L + random.nextInt(1000))
              + (random.nextInt(8) == 0 ? ".5" : "") // no heartbeat: a dead letter
              + "}";
      if (random.nextBoolean()) {
        value =
            "{\"schema\":{\"type\":\"struct\",\"name\":\"io.debezium.connector.common.Heartbeat\","
                + "\"fields\":[{\"type\":\"int64\",\"field\":\"ts_ms\"}]},\"payload\":"
                + value
                + "}";
      }
    } else if (kind < 10) {
      value =
          random.nextBoolean()
              ? "{\"status\":\"BEGIN\",\"id\":\"571:33\",\"ts_ms\":1700000000000,"
                  + "\"event_count\":null,\"data_collections\":null}"
              : "{\"status\":\"END\",\"id\":\"571\",\"ts_ms\":1700000000000,\"event_count\":2,"
                  + "\"data_collections\":[{\"data_collection\":\"public.ref\",\"event_count\":2}]}";
    } else if (kind < 12) {
      value =
          random.nextBoolean()
              ? "{\"source\":{\"server\":\"db\"},\"position\":{\"file\":\"mysql-bin.000003\","
                  + "\"pos\":154},\"databaseName\":\"inventory\",\"ddl\":\"ALTER TABLE ref ADD c"
                  + " INT\",\"tableChanges\":[]}"
              : "{\"source\":{\"server\":\"db\"},\"ts_ms\":1,\"databaseName\":\"inventory\","
                  + "\"schemaName\":null,\"tableChanges\":[{\"type\":\"ALTER\",\"id\":\"x\"}]}";
    } else if (kind < 14) {
      value = random.nextBoolean() ? "{\"ts_ms\":1,\"x\":2}" : "{\"status\":\"BEGIN\"}";
    } else if (kind < 16) {
      return new RawRecord(key, badUtf8(utf8(changeEvent(id, 50))), source, timestamp);
    } else if (kind < 20) {
      value = malformed(id);
    } else {
      value = changeEvent(id, kind);
    }
    return new RawRecord(key, utf8(value), source, timestamp);
  }

  private String key(long id) {
    switch (random.nextInt(9)) {
      case 0:
        return "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,"
            + "\"field\":\"id\"}],\"optional\":false,\"name\":\"db.public.ref.Key\"},"
            + "\"payload\":{\"id\":"
            + id
            + "}}";
      case 1:
        return random.nextBoolean() ? "{\"id\" " + id + "}" : "[" + id + "]";
      case 3:
        // a key with a timestamp column (message.key.columns), in the unit its schema names
        return random.nextBoolean()
            ? "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"field\":\"id\"},"
                + "{\"type\":\"int64\",\"name\":\"io.debezium.time.MicroTimestamp\",\"field\":"
                + "\"created\"}],\"name\":\"db.public.ref.Key\"},\"payload\":{\"id\":"
                + id
                + ",\"created\":1710497730123456}}"
            : "{\"id\":" + id + ",\"created\":1710497730123}";
      case 2:
        return pick(
            "{\"id\":null}", // null for the primitive key field
            "{\"id\":\"" + id + "\",\"tenant\":\"t1\"}", // integer text, a column T lacks
            "{\"id\":1.5}");
      default:
        return "{\"id\":" + id + "}";
    }
  }

  private String malformed(long id) {
    String good = changeEvent(id, 50);
    switch (random.nextInt(10)) {
      case 0:
        return good.substring(0, 1 + random.nextInt(good.length() - 1)); // truncated
      case 8:
        return "{\"op\":\"d\",\"op\":\"c\",\"after\":{\"id\":1}}"; // a duplicate field
      case 1:
        return good.replaceFirst(":", " "); // invalid
      case 2:
        return "";
      case 3:
        return new String[] {"null", "[1]", "\"x\"", "12", "true"}[random.nextInt(5)];
      case 4:
        return good + (random.nextBoolean() ? "}" : " {\"op\":\"c\"}"); // trailing garbage
      case 5:
        return "{\"schema\":{},\"payload\":"
            + new String[] {"[1]", "\"x\"", "3"}[random.nextInt(3)]
            + "}";
      case 6:
        return "{\"op\":\"c\",\"after\":{\"id\":1,\"extra\":"
            + "[".repeat(70)
            + "]".repeat(70)
            + "}}"; // nesting over the limit
      case 7:
        return "{\"op\":\"c\",\"after\":{\"id\":1,\"extra\":" + digits(150) + "}}"; // number limit
      default:
        return good.replace(
            "\"op\":", "\"op\":" + (random.nextBoolean() ? "5," : "null,") + "\"x\":");
    }
  }

  private String changeEvent(long id, int kind) {
    boolean schema = random.nextInt(4) == 0 ? !schemaBias : schemaBias;
    String op;
    int r = random.nextInt(100);
    if (r < 18) {
      op = "c";
    } else if (r < 30) {
      op = "r";
    } else if (r < 55) {
      op = "u";
    } else if (r < 80) {
      op = "d";
    } else if (r < 85) {
      op = "t";
    } else if (r < 88) {
      op = "m";
    } else if (r < 91) {
      op = new String[] {"x", "", "U", "create"}[random.nextInt(4)];
    } else {
      op = random.nextBoolean() ? "c" : "u";
    }
    pickSchemaNames();
    String after = null;
    String before = null;
    if (op.equals("c") || op.equals("r") || op.equals("u")) {
      after = random.nextInt(40) == 0 ? null : row(id, schema, true);
    }
    if (op.equals("u") || op.equals("d")) {
      switch (random.nextInt(4)) {
        case 0 -> before = row(id, schema, true); // REPLICA IDENTITY FULL
        case 1 -> before = "{\"id\":" + id + "}"; // DEFAULT: key columns only
        case 2 -> before = "null"; // NOTHING
        default -> before = null; // absent
      }
    }
    if (r >= 91 && random.nextBoolean()) {
      // an image of the wrong JSON type
      String bad = new String[] {"[1]", "\"x\"", "7", "true"}[random.nextInt(4)];
      if (after != null && random.nextBoolean()) {
        after = bad;
      } else {
        before = bad;
      }
    }
    StringBuilder p = new StringBuilder("{");
    if (before != null && !(op.equals("u") && before.equals("null") && random.nextBoolean())) {
      p.append("\"before\":").append(before).append(',');
    }
    if (after != null) {
      p.append("\"after\":").append(after).append(',');
    } else if (random.nextBoolean()) {
      p.append("\"after\":null,");
    }
    p.append("\"source\":").append(source()).append(',');
    if (random.nextInt(10) != 0) {
      p.append("\"ts_ms\":").append(envelopeTs()).append(',');
    }
    if (random.nextInt(5) == 0) {
      p.append(
          "\"transaction\":{\"id\":\"571:33\",\"total_order\":1,\"data_collection_order\":1},");
    }
    if (op.equals("m")) {
      p.append("\"message\":{\"prefix\":\"p\",\"content\":\"AQID\"},");
    }
    p.append("\"op\":\"").append(op).append("\"}");
    if (!schema) {
      return p.toString();
    }
    return "{\"schema\":" + valueSchema() + ",\"payload\":" + p + "}";
  }

  private String envelopeTs() {
    return switch (random.nextInt(20)) {
      case 0 -> "\"1700000000001\"";
      case 1 -> "0";
      case 2 -> "-1";
      default -> String.valueOf(1_700_000_001_000L + random.nextInt(1000));
    };
  }

  private String source() {
    StringBuilder s = new StringBuilder("{\"version\":\"2.7.0.Final\",");
    int connector = random.nextInt(3);
    String ts =
        switch (random.nextInt(12)) {
          case 0 -> "0";
          case 1 -> "\"1699999999999\"";
          case 2 -> "100000000000000000000000000";
          case 3 -> "-5";
          default -> String.valueOf(1_699_999_000_000L + random.nextInt(1000));
        };
    if (random.nextInt(15) != 0) {
      s.append("\"ts_ms\":").append(ts).append(',');
    }
    String snapshot =
        new String[] {"\"true\"", "\"last\"", "\"false\"", "\"incremental\"", "true", "false"}
            [random.nextInt(6)];
    s.append("\"snapshot\":").append(snapshot).append(',');
    if (connector == 0) {
      s.append("\"connector\":\"postgresql\",\"db\":\"shop\",\"schema\":\"public\",");
      s.append("\"table\":").append(random.nextInt(15) == 0 ? "5" : "\"ref\"").append(',');
      s.append("\"txId\":").append(500 + random.nextInt(100)).append(',');
      String lsn =
          switch (random.nextInt(10)) {
            case 0 -> "\"0/16B3748\"";
            case 1 -> "null";
            default -> String.valueOf(23_000_000L + random.nextInt(1_000_000));
          };
      s.append("\"lsn\":").append(lsn).append(",\"xmin\":null}");
    } else if (connector == 1) {
      s.append("\"connector\":\"mysql\",\"db\":\"shop\",\"table\":\"ref\",");
      String file =
          switch (random.nextInt(12)) {
            case 0 -> "\"mysql-bin\"";
            case 1 -> "\"mysql-bin.99999999999\"";
            default -> "\"mysql-bin.00000" + random.nextInt(10) + "\"";
          };
      String pos = random.nextInt(15) == 0 ? "4294967301" : String.valueOf(random.nextInt(1 << 30));
      s.append("\"server_id\":223344,\"gtid\":null,\"file\":").append(file);
      s.append(",\"pos\":").append(pos).append(",\"row\":").append(random.nextInt(3));
      s.append(",\"thread\":7,\"query\":null}");
    } else {
      s.append("\"connector\":\"sqlserver\",\"db\":\"shop\",\"schema\":\"dbo\",\"table\":\"ref\",");
      s.append(
          "\"change_lsn\":\"00000025:00000d08:0025\",\"commit_lsn\":\"00000025:00000d08:0025\"}");
    }
    return s.toString();
  }

  /** A row image; at most one column is corrupt, sometimes. */
  private String row(long id, boolean schema, boolean full) {
    List<String> cols = new ArrayList<>();
    int corrupt = random.nextInt(6) == 0 ? random.nextInt(11) : -1;
    cols.add("\"id\":" + (corrupt == 0 ? badInteger() : goodId(id)));
    maybe(cols, "name", corrupt == 1 ? "{\"a\":1}" : pick("\"Zoë\"", "null", "\"\"", "\"a\\\"b\""));
    maybe(
        cols,
        "active",
        corrupt == 2
            ? pick("2", "1.0", "\"\"", "\"null\"", "-1")
            : pick("true", "false", "0", "1", "null"));
    maybe(
        cols,
        "qty",
        corrupt == 3
            ? pick("3000000000", "2.5", "\"1.5\"", "\"\"")
            : pick("7", "-3", "null", "\"12\"", "12.0", "1.2e1"));
    maybe(cols, "amount", amount(schema, corrupt == 4));
    maybe(cols, "ratio", ratio(corrupt == 5));
    maybe(cols, "day", day(schema, corrupt == 6));
    maybe(cols, "created", timestamp(schema, corrupt == 7, false));
    maybe(cols, "shipped", timestamp(schema, corrupt == 8, true));
    maybe(cols, "at", time(schema, corrupt == 9));
    if (random.nextInt(4) == 0) {
      cols.add(
          "\"extra\":"
              + pick("{\"nested\":[1,{\"x\":null}]}", digits(30), "1e400", "\"text\"", "[]"));
    }
    if (random.nextInt(8) == 0) {
      cols.add("\"srcTable\":\"column\"");
    }
    if (corrupt == 10) {
      cols.set(0, "\"id\":null"); // SQL NULL for the primitive key field
    }
    if (!full) {
      return "{" + cols.get(0) + "}";
    }
    java.util.Collections.shuffle(cols, random);
    return "{" + String.join(",", cols) + "}";
  }

  private void maybe(List<String> cols, String name, String value) {
    if (random.nextInt(10) != 0) {
      cols.add("\"" + name + "\":" + value);
    }
  }

  private String pick(String... options) {
    return options[random.nextInt(options.length)];
  }

  private String goodId(long id) {
    return random.nextInt(10) == 0 ? pick(id + ".0", "\"" + id + "\"") : String.valueOf(id);
  }

  private String badInteger() {
    return pick(
        "1.5", "\"1.5\"", "\"\"", "true", digits(30), "\"null\"", "12.0000000000000001", "1e400");
  }

  private String amount(boolean schema, boolean corrupt) {
    if (schema) {
      if (corrupt) {
        return pick("\"!!notbase64\"", "\"" + base64(BigInteger.TEN.pow(120)) + "\"");
      }
      return random.nextInt(8) == 0
          ? "null"
          : "\"" + base64(BigInteger.valueOf(random.nextInt(2_000_000) - 1_000_000)) + "\"";
    }
    if (corrupt) {
      return pick("\"1e999999999\"", "1e-400", "\"AQI=\"", "1e150", "\"\"");
    }
    return pick("12.30", "\"12.30\"", "-0.5", "1234", "\"1234\"", "null", "0.000", "1.5E+3");
  }

  private String ratio(boolean corrupt) {
    if (corrupt) {
      return pick(
          "{\"scale\":150,\"value\":\"AQ==\"}",
          "{\"scale\":2,\"value\":\"***\"}",
          "{\"scale\":\"x\",\"value\":\"AQ==\"}");
    }
    if (random.nextInt(6) == 0) {
      return "null";
    }
    return "{\"scale\":"
        + random.nextInt(6)
        + ",\"value\":\""
        + base64(BigInteger.valueOf(random.nextInt(2_000_000) - 1_000_000))
        + "\"}";
  }

  private String day(boolean schema, boolean corrupt) {
    if (corrupt) {
      return pick("5000000", "-800000", "\"19000\"", "1.5", "\"\"", "\"2024-13-40\"");
    }
    return pick(
        String.valueOf(19_000 + random.nextInt(1000)),
        "0",
        "-1",
        "null",
        schema ? "19500" : "\"2024-03-15\"");
  }

  private String timestamp(boolean schema, boolean corrupt, boolean instant) {
    if (corrupt) {
      return pick(
          "\"1710497730123\"",
          "1.7e12",
          "1710497730123456789",
          "-99999999999999",
          "\"\"",
          "\"yesterday\"");
    }
    long ms = 1_710_497_730_123L + random.nextInt(1_000_000);
    if (schema) {
      // the unit comes from the column's schema: a value in that unit
      String value =
          switch (instant ? shippedName : createdName) {
            case "io.debezium.time.Timestamp", "org.apache.kafka.connect.data.Timestamp" ->
                String.valueOf(ms);
            case "io.debezium.time.MicroTimestamp" -> String.valueOf(ms * 1_000L + 7);
            case "io.debezium.time.NanoTimestamp" -> String.valueOf(ms * 1_000_000L + 7);
            case "io.debezium.time.Date" -> String.valueOf(ms / 86_400_000L);
            case "io.debezium.time.ZonedTimestamp" -> "\"2024-03-15T10:15:30.123456Z\"";
            default -> String.valueOf(ms); // a time-of-day schema: refused
          };
      return random.nextInt(6) == 0 ? "null" : value;
    }
    String iso = instant ? "\"2024-03-15T10:15:30.123456Z\"" : "\"2024-03-15T10:15:30.123456\"";
    return pick(String.valueOf(ms), String.valueOf(ms * 1000), "null", iso, "0", "-1");
  }

  private String time(boolean schema, boolean corrupt) {
    if (corrupt) {
      return pick("90000000000", "-5", "\"3600000\"", "1.5");
    }
    long micros = random.nextInt(86_400) * 1_000_000L + random.nextInt(1_000_000);
    if (schema) {
      long perSecond =
          switch (atName) {
            case "io.debezium.time.Time", "org.apache.kafka.connect.data.Time" -> 1_000L;
            case "io.debezium.time.NanoTime" -> 1_000_000_000L;
            default -> 1_000_000L; // MicroTime, or a date schema (refused)
          };
      if (random.nextInt(30) == 0) {
        return String.valueOf(86_400 * perSecond); // 24:00, which PostgreSQL's TIME can hold
      }
      return pick(String.valueOf(micros * perSecond / 1_000_000L), "null");
    }
    return pick(String.valueOf(micros / 1000), "null", "\"10:15:30\"", "0");
  }

  private void pickSchemaNames() {
    dayName =
        random.nextInt(6) != 0
            ? pick("io.debezium.time.Date", "org.apache.kafka.connect.data.Date")
            : pick("io.debezium.time.Year", "io.debezium.time.MicroTimestamp");
    String[] timestamps = {
      "io.debezium.time.Timestamp",
      "io.debezium.time.MicroTimestamp",
      "io.debezium.time.NanoTimestamp",
      "org.apache.kafka.connect.data.Timestamp",
      "io.debezium.time.Date"
    };
    createdName =
        random.nextInt(8) == 0 ? "io.debezium.time.MicroTime" : timestamps[random.nextInt(5)];
    shippedName =
        random.nextInt(6) == 0 ? "io.debezium.time.ZonedTimestamp" : timestamps[random.nextInt(5)];
    atName =
        random.nextInt(10) == 0
            ? "io.debezium.time.Date"
            : pick(
                "io.debezium.time.Time",
                "io.debezium.time.MicroTime",
                "io.debezium.time.NanoTime",
                "org.apache.kafka.connect.data.Time");
  }

  private String valueSchema() {
    String scale =
        random.nextInt(15) == 0
            ? ""
            : "\"parameters\":{\"scale\":\""
                + random.nextInt(5)
                + "\",\"connect.decimal.precision\":\"10\"},";
    String columns =
        "[{\"type\":\"int64\",\"optional\":false,\"field\":\"id\"},"
            + "{\"type\":\"string\",\"optional\":true,\"field\":\"name\"},"
            + "{\"type\":\"boolean\",\"optional\":true,\"field\":\"active\"},"
            + "{\"type\":\"int32\",\"optional\":true,\"field\":\"qty\"},"
            + "{\"type\":\"bytes\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
            + scale
            + "\"field\":\"amount\"},"
            + "{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"scale\"},"
            + "{\"type\":\"bytes\",\"optional\":false,\"field\":\"value\"}],\"optional\":true,"
            + "\"name\":\"io.debezium.data.VariableScaleDecimal\",\"version\":1,\"field\":\"ratio\"},"
            + "{\"type\":\"int32\",\"optional\":true,\"name\":\""
            + dayName
            + "\",\"version\":1,\"field\":\"day\"},"
            + "{\"type\":\"int64\",\"optional\":true,\"name\":\""
            + createdName
            + "\",\"version\":1,\"field\":\"created\"},"
            + "{\"type\":\"int64\",\"optional\":true,\"name\":\""
            + shippedName
            + "\",\"version\":1,\"field\":\"shipped\"},"
            + "{\"type\":\"int64\",\"optional\":true,\"name\":\""
            + atName
            + "\",\"version\":1,\"field\":\"at\"},"
            + "{\"type\":\"string\",\"optional\":true,\"field\":\"srcTable\"},"
            + "{\"type\":\"string\",\"optional\":true,\"field\":\"extra\"}]";
    String image =
        "{\"type\":\"struct\",\"fields\":"
            + columns
            + ",\"optional\":true,\"name\":\"db.public.ref.Value\",\"field\":\"%s\"}";
    return "{\"type\":\"struct\",\"fields\":["
        + String.format(image, "before")
        + ","
        + String.format(image, "after")
        + ",{\"type\":\"struct\",\"fields\":[],\"optional\":false,\"name\":\"io.debezium.connector.postgresql.Source\",\"field\":\"source\"},"
        + "{\"type\":\"string\",\"optional\":false,\"field\":\"op\"},"
        + "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ms\"}],"
        + "\"optional\":false,\"name\":\"db.public.ref.Envelope\",\"version\":1}";
  }

  private static String base64(BigInteger unscaled) {
    return Base64.getEncoder().encodeToString(unscaled.toByteArray());
  }

  private String digits(int n) {
    StringBuilder b = new StringBuilder("9");
    for (int i = 1; i < n; i++) {
      b.append((char) ('0' + random.nextInt(10)));
    }
    return b.toString();
  }

  private byte[] badUtf8(byte[] bytes) {
    byte[] copy = bytes.clone();
    // inside the first string: after the opening quote of the first field name
    int at = new String(bytes, StandardCharsets.UTF_8).indexOf('"') + 1;
    copy[at] = (byte) 0xFF;
    return copy;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
