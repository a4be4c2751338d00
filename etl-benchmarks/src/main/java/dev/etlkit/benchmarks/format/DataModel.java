package dev.etlkit.benchmarks.format;

import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import javax.annotation.Nullable;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.BooleanType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarCharType;

/**
 * What the benchmark derives from a data-model record by reflection, once per trial: its SQL row
 * type, random instances with realistic values, and their Avro {@code GenericRecord}s. Setup code,
 * written for clarity; nothing here runs while measuring.
 *
 * <p>Types: {@code long} ↔ {@code BIGINT}, {@code int} ↔ {@code INT}, {@code double} ↔ {@code
 * DOUBLE}, {@code boolean} ↔ {@code BOOLEAN}, {@code String} ↔ {@code STRING}, {@code Instant} ↔
 * {@code TIMESTAMP_LTZ(3)}, {@code BigDecimal} ↔ {@code DECIMAL(p, s)} of its {@link Decimal}
 * annotation, a nested record ↔ {@code ROW}. A component is nullable in SQL and Avro exactly when
 * it is annotated {@link Nullable}; the others are {@code NOT NULL}.
 */
final class DataModel {

  /** Timestamps fall in the 30 days from here. */
  private static final long EPOCH_MILLIS_BASE =
      Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();

  private static final long TIMESTAMP_SPAN_MILLIS = 30L * 24 * 3600 * 1000;

  /** Share of nullable values that are null. */
  private static final double NULL_SHARE = 0.4;

  private static final String[] STATUSES = {
    "NEW", "PAID", "SHIPPED", "DELIVERED", "CANCELLED", "RETURNED"
  };
  private static final String[] CURRENCIES = {"EUR", "USD", "GBP", "JPY", "CHF", "SEK"};
  private static final String[] EVENT_TYPES = {
    "page_view", "search", "add_to_cart", "checkout", "purchase", "login"
  };
  private static final String[] COUNTRIES = {"DE", "FR", "US", "GB", "CH", "BR", "PL", "JP"};
  private static final String[] CITIES = {
    "Berlin", "München", "Zürich", "São Paulo", "Kraków", "Lyon", "New York", "Tokyo"
  };
  private static final String[] FIRST_NAMES = {
    "Anna", "José", "Zoë", "Øyvind", "Mei", "Lukas", "Amélie", "Oliver", "Sofía", "Noah"
  };
  private static final String[] LAST_NAMES = {
    "Müller", "García", "Smith", "Kowalski", "Dubois", "Tanaka", "Rossi", "Nguyen", "Berg"
  };
  private static final String[] WORDS = {
    "blue", "express", "gift", "priority", "wrap", "fragile", "returns", "mobile", "web",
    "store", "promo", "bundle", "weekend", "loyalty", "voucher", "morning", "carrier", "door"
  };
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** Decimals every ledger holds many of, at each column's scale where they fit. */
  private static final List<BigDecimal> EVERYDAY_DECIMALS =
      Stream.of("0", "1", "10", "0.01", "0.1", "12.34").map(BigDecimal::new).toList();

  /** Avro's own decimal conversion: minimal two's complement bytes of the unscaled value. */
  private static final Conversions.DecimalConversion DECIMALS = new Conversions.DecimalConversion();

  private DataModel() {}

  /** The {@code NOT NULL} row type of a record. */
  static RowType rowType(Class<? extends Record> type) {
    List<RowType.RowField> fields = new ArrayList<>();
    for (RecordComponent c : type.getRecordComponents()) {
      fields.add(new RowType.RowField(c.getName(), logicalType(c)));
    }
    return new RowType(false, fields);
  }

  private static LogicalType logicalType(RecordComponent c) {
    boolean nullable = c.isAnnotationPresent(Nullable.class);
    Class<?> t = c.getType();
    if (t == long.class) {
      return new BigIntType(false);
    } else if (t == int.class) {
      return new IntType(false);
    } else if (t == double.class) {
      return new DoubleType(false);
    } else if (t == boolean.class) {
      return new BooleanType(false);
    } else if (t == String.class) {
      return new VarCharType(nullable, VarCharType.MAX_LENGTH);
    } else if (t == Instant.class) {
      return new LocalZonedTimestampType(nullable, 3);
    } else if (t == BigDecimal.class) {
      Decimal decimal = decimal(c);
      return new DecimalType(nullable, decimal.precision(), decimal.scale());
    } else if (t.isRecord()) {
      return rowType(t.asSubclass(Record.class)).copy(nullable);
    }
    throw new IllegalArgumentException(
        "unsupported type " + t.getName() + " of " + c.getDeclaringRecord().getSimpleName());
  }

  private static Decimal decimal(RecordComponent c) {
    Decimal decimal = c.getAnnotation(Decimal.class);
    if (decimal == null) {
      throw new IllegalArgumentException(
          "BigDecimal "
              + c.getName()
              + " of "
              + c.getDeclaringRecord().getSimpleName()
              + " has no @Decimal");
    }
    return decimal;
  }

  /** A random instance of a record; each value is chosen by the component's type and name. */
  static <T extends Record> T random(Class<T> type, SplittableRandom random) {
    RecordComponent[] components = type.getRecordComponents();
    Class<?>[] types = new Class<?>[components.length];
    Object[] values = new Object[components.length];
    for (int i = 0; i < components.length; i++) {
      types[i] = components[i].getType();
      values[i] = randomValue(components[i], random);
    }
    try {
      return type.getDeclaredConstructor(types).newInstance(values);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot create " + type.getName(), e);
    }
  }

  private static Object randomValue(RecordComponent c, SplittableRandom random) {
    String name = c.getName();
    Class<?> t = c.getType();
    if (c.isAnnotationPresent(Nullable.class) && random.nextDouble() < NULL_SHARE) {
      return null;
    }
    if (t == long.class) {
      // Ids are large; counters vary in magnitude, so their varints vary in length.
      return name.endsWith("Id")
          ? 1_000_000L + random.nextLong(9_000_000_000L)
          : random.nextLong(1L << (4 + random.nextInt(40)));
    } else if (t == int.class) {
      return random.nextInt(1 << (1 + random.nextInt(20)));
    } else if (t == double.class) {
      // Ratios are computed values (17 significant digits); everything else is money.
      return name.startsWith("ratio")
          ? random.nextDouble()
          : Math.round(random.nextDouble(0, 10_000) * 100) / 100.0;
    } else if (t == boolean.class) {
      return random.nextBoolean();
    } else if (t == Instant.class) {
      return Instant.ofEpochMilli(EPOCH_MILLIS_BASE + random.nextLong(TIMESTAMP_SPAN_MILLIS));
    } else if (t == String.class) {
      return randomString(name, random);
    } else if (t == BigDecimal.class) {
      return randomDecimal(decimal(c), random);
    } else if (t.isRecord()) {
      return random(t.asSubclass(Record.class), random);
    }
    throw new IllegalArgumentException("unsupported type " + t.getName());
  }

  /**
   * A decimal of the annotation's scale: a quarter of them an everyday value that fits the type
   * (see {@link #EVERYDAY_DECIMALS}), the others of any number of digits from the precision less
   * eight (at least one) to the precision, a tenth of those negative.
   */
  private static BigDecimal randomDecimal(Decimal type, SplittableRandom random) {
    int precision = type.precision();
    int scale = type.scale();
    if (random.nextInt(4) == 0) {
      List<BigDecimal> fitting = new ArrayList<>();
      for (BigDecimal value : EVERYDAY_DECIMALS) {
        if (value.scale() <= scale && value.precision() - value.scale() <= precision - scale) {
          fitting.add(value.setScale(scale));
        }
      }
      return fitting.get(random.nextInt(fitting.size()));
    }
    int digits = Math.max(1, precision - 8) + random.nextInt(Math.min(precision, 9));
    StringBuilder unscaled = new StringBuilder(random.nextInt(10) == 0 ? "-" : "");
    unscaled.append((char) ('1' + random.nextInt(9)));
    for (int i = 1; i < digits; i++) {
      unscaled.append((char) ('0' + random.nextInt(10)));
    }
    return new BigDecimal(new BigInteger(unscaled.toString()), scale);
  }

  private static String randomString(String name, SplittableRandom random) {
    switch (name) {
      case "status":
        return pick(STATUSES, random);
      case "currency":
        return pick(CURRENCIES, random);
      case "eventType":
        return pick(EVENT_TYPES, random);
      case "country":
        return pick(COUNTRIES, random);
      case "city":
        return pick(CITIES, random);
      case "name":
        return pick(FIRST_NAMES, random) + " " + pick(LAST_NAMES, random);
      case "couponCode":
        return "SAVE" + (5 + random.nextInt(45));
      case "sessionId":
        char[] hex = new char[32];
        for (int i = 0; i < hex.length; i++) {
          hex[i] = HEX[random.nextInt(16)];
        }
        return new String(hex);
      default:
        StringBuilder words = new StringBuilder(pick(WORDS, random));
        for (int n = random.nextInt(4); n > 0; n--) {
          words.append(' ').append(pick(WORDS, random));
        }
        return words.toString();
    }
  }

  private static String pick(String[] values, SplittableRandom random) {
    return values[random.nextInt(values.length)];
  }

  /** The Avro form of a record, for a schema derived from its row type. */
  static GenericRecord toGenericRecord(Record value, Schema schema) {
    GenericRecord record = new GenericData.Record(schema);
    for (RecordComponent c : value.getClass().getRecordComponents()) {
      Object v;
      try {
        v = c.getAccessor().invoke(value);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read " + c.getName(), e);
      }
      if (v instanceof Instant) {
        v = ((Instant) v).toEpochMilli();
      } else if (v instanceof BigDecimal) {
        Schema bytes = nonNull(schema.getField(c.getName()).schema());
        v = DECIMALS.toBytes((BigDecimal) v, bytes, bytes.getLogicalType());
      } else if (v instanceof Record) {
        v = toGenericRecord((Record) v, nonNull(schema.getField(c.getName()).schema()));
      }
      record.put(c.getName(), v);
    }
    return record;
  }

  /** The non-null branch of a nullable union, or the schema itself. */
  static Schema nonNull(Schema schema) {
    if (schema.getType() != Schema.Type.UNION) {
      return schema;
    }
    for (Schema branch : schema.getTypes()) {
      if (branch.getType() != Schema.Type.NULL) {
        return branch;
      }
    }
    throw new IllegalArgumentException("union without a non-null branch: " + schema);
  }
}
