package dev.etlkit.benchmarks.format;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.benchmarks.HarnessBenchmarkBase;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.flink.table.types.logical.LogicalType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Smoke test and correctness cross-check: every impl × direction × shape sets up and runs one
 * invocation, called directly rather than through JMH, and then converts the first {@link #CHECKED}
 * documents to exactly the reference output of {@link Documents}: the same Avro bytes, or JSON that
 * reads back as the same record (for {@code FLINK_SQL}, whose JSON drops a decimal's trailing
 * zeros, with equal decimals of any scale). So all impls convert to the same values.
 */
class FormatConversionBenchmarkTest {

  private static final Blackhole BLACKHOLE =
      new Blackhole(
          "Today's password is swordfish. I understand instantiating Blackholes directly is"
              + " dangerous.");

  /** Documents checked per combination (the invocation itself converts {@code BATCH}). */
  private static final int CHECKED = 128;

  /** The impls of the benchmark's default params: those that are wired. */
  static List<FormatImpl> benchmarkedImpls() throws NoSuchFieldException {
    String[] names =
        FormatConversionBenchmark.class.getField("impl").getAnnotation(Param.class).value();
    return Arrays.stream(names).map(FormatImpl::valueOf).toList();
  }

  static Stream<Arguments> combinations() throws NoSuchFieldException {
    List<Arguments> combinations = new ArrayList<>();
    for (Shape shape : Shape.values()) {
      for (Direction direction : Direction.values()) {
        for (FormatImpl impl : benchmarkedImpls()) {
          combinations.add(Arguments.of(impl, direction, shape));
        }
      }
    }
    return combinations.stream();
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("combinations")
  void oneInvocation_thenConvertsToTheReferenceOutput(
      FormatImpl impl, Direction direction, Shape shape) throws Exception {
    FormatConversionBenchmark benchmark = benchmark(impl, direction, shape);

    benchmark.setUp();
    benchmark.convert(BLACKHOLE);

    Documents documents = benchmark.documents();
    Converter converter = benchmark.converter();
    for (int i = 0; i < CHECKED; i++) {
      if (direction == Direction.JSON_TO_AVRO) {
        assertThat(converter.convert(documents.json(i)))
            .as("Avro bytes of document %d", i)
            .isEqualTo(documents.avro(i));
      } else if (impl == FormatImpl.FLINK_SQL) {
        // Flink's JSON format writes a decimal without its trailing zeros (DECIMAL(9, 2) 10.00 as
        // 1E+1, DECIMAL(24, 6) 0 as 0): the same value at another scale
        assertThat(documents.readJson(converter.convert(documents.avro(i))))
            .as("JSON of document %d", i)
            .usingRecursiveComparison()
            .withComparatorForType(BigDecimal::compareTo, BigDecimal.class)
            .isEqualTo(documents.record(i));
      } else {
        assertThat(documents.readJson(converter.convert(documents.avro(i))))
            .as("JSON of document %d", i)
            .isEqualTo(documents.record(i));
      }
    }
  }

  @Test
  void documents_haveAboutFortyPercentNullsInNullableFields_andAreTheSameForTheSameSeed() {
    for (Shape shape : Shape.values()) {
      Documents documents = Documents.generate(shape, 200, HarnessBenchmarkBase.SEED);
      Documents again = Documents.generate(shape, 200, HarnessBenchmarkBase.SEED);

      long nullableFields =
          shape.rowType().getChildren().stream().filter(LogicalType::isNullable).count();
      long nulls = 0;
      for (int i = 0; i < documents.count(); i++) {
        nulls +=
            new String(documents.json(i), StandardCharsets.UTF_8).split(":null", -1).length - 1;
        assertThat(again.json(i)).isEqualTo(documents.json(i));
        assertThat(again.avro(i)).isEqualTo(documents.avro(i));
      }
      assertThat(nullableFields).as("nullable fields of %s", shape).isPositive();
      assertThat(nulls / (double) (nullableFields * documents.count()))
          .as("share of nulls in %s", shape)
          .isBetween(0.3, 0.5);
    }
  }

  @Test
  void documentSizes_areAsDocumented() {
    Map<Shape, Double> meanJsonBytes = new EnumMap<>(Shape.class);
    for (Shape shape : Shape.values()) {
      Documents documents = Documents.generate(shape, 300, HarnessBenchmarkBase.SEED);
      long total = 0;
      for (int i = 0; i < documents.count(); i++) {
        total += documents.json(i).length;
      }
      meanJsonBytes.put(shape, total / (double) documents.count());
    }
    assertThat(meanJsonBytes.get(Shape.FLAT_10)).isBetween(190.0, 230.0);
    assertThat(meanJsonBytes.get(Shape.FLAT_50)).isBetween(1000.0, 1150.0);
    assertThat(meanJsonBytes.get(Shape.NESTED_10)).isBetween(220.0, 260.0);
    assertThat(meanJsonBytes.get(Shape.DECIMAL_10)).isBetween(195.0, 235.0);
  }

  @Test
  void shapeParam_listsEveryShape() throws NoSuchFieldException {
    String[] names =
        FormatConversionBenchmark.class.getField("shape").getAnnotation(Param.class).value();

    assertThat(Arrays.stream(names).map(Shape::valueOf)).containsExactly(Shape.values());
  }

  @Test
  void decimalShape_isDecimalColumnsInSqlAndAvro_oneBeyondALong() {
    List<String> sql =
        Shape.DECIMAL_10.rowType().getFields().stream()
            .map(f -> f.getName() + " " + f.getType().asSummaryString())
            .toList();
    assertThat(sql)
        .containsExactly(
            "entryId BIGINT NOT NULL",
            "accountId BIGINT NOT NULL",
            "currency STRING NOT NULL",
            "memo STRING NOT NULL",
            "quantity DECIMAL(5, 0) NOT NULL",
            "unitPrice DECIMAL(9, 2) NOT NULL",
            "fxRate DECIMAL(5, 4) NOT NULL",
            "discount DECIMAL(7, 2)",
            "balance DECIMAL(18, 2) NOT NULL",
            "lifetimeVolume DECIMAL(24, 6) NOT NULL");
    Schema volume = Shape.DECIMAL_10.avroSchema().getField("lifetimeVolume").schema();
    assertThat(volume.getType()).isEqualTo(Schema.Type.BYTES);
    assertThat(volume.getLogicalType()).isEqualTo(LogicalTypes.decimal(24, 6));
  }

  @Test
  void decimalDocuments_holdZeroOneTenAndSmallMoney_largeValues_andValuesBeyondALong() {
    Documents documents = Documents.generate(Shape.DECIMAL_10, 1000, HarnessBenchmarkBase.SEED);
    Set<String> values = new HashSet<>();
    Set<Integer> balanceDigits = new HashSet<>();
    int beyondLong = 0;
    int negative = 0;
    for (int i = 0; i < documents.count(); i++) {
      LedgerEntry entry = (LedgerEntry) documents.record(i);
      for (BigDecimal d :
          new BigDecimal[] {
            entry.quantity(), entry.unitPrice(), entry.fxRate(), entry.discount(), entry.balance()
          }) {
        if (d != null) {
          values.add(d.stripTrailingZeros().toPlainString());
          negative += d.signum() < 0 ? 1 : 0;
        }
      }
      assertThat(entry.quantity().scale()).isZero();
      assertThat(entry.unitPrice().scale()).isEqualTo(2);
      assertThat(entry.balance().scale()).isEqualTo(2);
      assertThat(entry.lifetimeVolume().scale()).isEqualTo(6);
      assertThat(entry.balance().precision()).isLessThanOrEqualTo(18);
      assertThat(entry.lifetimeVolume().precision()).isLessThanOrEqualTo(24);
      balanceDigits.add(entry.balance().precision());
      beyondLong += entry.lifetimeVolume().unscaledValue().bitLength() >= Long.SIZE ? 1 : 0;
    }
    assertThat(values).contains("0", "1", "10", "0.01", "0.1", "12.34");
    assertThat(balanceDigits).contains(18, 17, 12);
    assertThat(beyondLong).as("lifetime volumes beyond a long").isBetween(300, 600);
    assertThat(negative).as("negative decimals").isBetween(200, 800);
  }

  @Test
  void jvmFlags_areThoseOfHarnessBenchmarkBase() {
    Fork ours = FormatConversionBenchmark.class.getAnnotation(Fork.class);
    Fork base = HarnessBenchmarkBase.class.getAnnotation(Fork.class);

    assertThat(ours.jvmArgs()).containsExactly(base.jvmArgs());
    assertThat(ours.value()).isEqualTo(base.value());
  }

  @Test
  void benchmarkList_listsFormatConversionBenchmark() throws IOException {
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream("META-INF/BenchmarkList")) {
      assertThat(in).as("META-INF/BenchmarkList generated by the JMH processor").isNotNull();
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .contains("dev.etlkit.benchmarks.format.FormatConversionBenchmark");
    }
  }

  private static FormatConversionBenchmark benchmark(
      FormatImpl impl, Direction direction, Shape shape) {
    FormatConversionBenchmark benchmark = new FormatConversionBenchmark();
    benchmark.impl = impl;
    benchmark.direction = direction;
    benchmark.shape = shape;
    benchmark.documentCount = CHECKED;
    return benchmark;
  }
}
