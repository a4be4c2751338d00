package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.json.internal.ReaderFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.JsonRecordException.Reason;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Edges of primitive arrays in the JSON reader found by a review on 2026-11-24, each failing before
 * that day's fix: a JSON {@code null} among the elements of an {@code int[]}, {@code long[]},
 * {@code double[]}, {@code float[]}, {@code short[]}, {@code byte[]}, {@code boolean[]} or {@code
 * char[]} read as 0, {@code false} or {@code '\0'}; it is now refused like a null for a primitive
 * field, {@code MISSING_REQUIRED_FIELD} naming the element's path. Found while fixing it: in the
 * second pass of a record with a repeated key, a path into an array named its field twice ({@code
 * $.values.values[0]}).
 */
class JsonPrimitiveArrayNullTest {

  /** A POJO with one array of each primitive type. */
  public static class Arrays {
    public int[] ints;
    public long[] longs;
    public double[] doubles;
    public float[] floats;
    public short[] shorts;
    public byte[] bytes;
    public boolean[] booleans;
    public char[] chars;
    public List<int[]> rows;
  }

  /** A record: its arrays are creator parameters. */
  public record Series(String id, int[] values) {}

  private static JsonRecordException rejection(JsonRecordReader<?> reader, String json) {
    JsonRecordException e =
        catchThrowableOfType(JsonRecordException.class, () -> reader.read(utf8(json)));
    assertThat(e).as("expected a rejection of %s", json).isNotNull();
    return e;
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "ints     | [1,2,null]          | int[]     | 2",
        "longs    | [1,2,null]          | long[]    | 2",
        "doubles  | [1.5,2,null]        | double[]  | 2",
        "floats   | [1.5,2,null]        | float[]   | 2",
        "shorts   | [1,2,null]          | short[]   | 2",
        "bytes    | [1,2,null]          | byte[]    | 2",
        "booleans | [true,false,null]   | boolean[] | 2",
        "chars    | [\"a\",\"b\",null]  | char[]    | 2",
        "ints     | [null]              | int[]     | 0",
      })
  void nullElement_ofAPrimitiveArray_isMissingRequiredFieldAtItsPath(
      String field, String array, String type, int index) {
    JsonRecordReader<Arrays> reader = ReaderFixtures.of(Arrays.class).reader();

    // Before, Jackson read the null as the primitive's default (0, 0.0, false, '\0').
    JsonRecordException e = rejection(reader, "{\"" + field + "\":" + array + "}");

    assertThat(e.reason()).isEqualTo(Reason.MISSING_REQUIRED_FIELD);
    assertThat(e)
        .hasMessage(
            "MISSING_REQUIRED_FIELD: null element in "
                + type
                + " at $."
                + field
                + "["
                + index
                + "]");
  }

  @Test
  void nullElement_ofAnArrayInAList_orOfARecordComponent_isRefusedAtItsPath() {
    assertThat(rejection(ReaderFixtures.of(Arrays.class).reader(), "{\"rows\":[[1],[2,null]]}"))
        .hasMessage("MISSING_REQUIRED_FIELD: null element in int[] at $.rows[1][1]");
    assertThat(
            rejection(
                ReaderFixtures.of(Series.class).reader(), "{\"id\":\"s\",\"values\":[7,null,9]}"))
        .hasMessage("MISSING_REQUIRED_FIELD: null element in int[] at $.values[1]");
  }

  @Test
  void nullElement_inTheSecondPassOfARepeatedKey_isRefusedToo() {
    // A key repeated after the last component of a record is read a second time (readLastValues);
    // before, that pass's paths started inside the first pass's object: $.values.values[0].
    assertThat(
            rejection(
                ReaderFixtures.of(Series.class).reader(),
                "{\"id\":\"s\",\"values\":[1],\"id\":\"t\",\"values\":[null]}"))
        .hasMessage("MISSING_REQUIRED_FIELD: null element in int[] at $.values[0]");
  }

  @Test
  void arraysWithoutNulls_andANullArray_readAsBefore() throws Exception {
    JsonRecordReader<Arrays> reader = ReaderFixtures.of(Arrays.class).reader();

    Arrays read =
        reader.read(
            utf8(
                "{\"ints\":[1,-2],\"longs\":[3],\"doubles\":[-0.0,1e400],\"floats\":[1.5],"
                    + "\"shorts\":[4],\"bytes\":[-128,127],\"booleans\":[true,false],"
                    + "\"chars\":[\"x\",\"y\"],\"rows\":[[5],[]]}"));

    assertThat(read.ints).containsExactly(1, -2);
    assertThat(read.longs).containsExactly(3L);
    assertThat(read.doubles).containsExactly(-0.0d, Double.POSITIVE_INFINITY);
    assertThat(read.floats).containsExactly(1.5f);
    assertThat(read.shorts).containsExactly((short) 4);
    assertThat(read.bytes).containsExactly(-128, 127);
    assertThat(read.booleans).containsExactly(true, false);
    assertThat(read.chars).containsExactly('x', 'y');
    assertThat(read.rows).containsExactly(new int[] {5}, new int[0]);
    // The array itself may be null (it is not a primitive), and the other forms Jackson reads stay.
    Arrays other = reader.read(utf8("{\"ints\":null,\"bytes\":\"gH8=\",\"chars\":\"xy\"}"));
    assertThat(other.ints).isNull();
    assertThat(other.bytes).containsExactly(-128, 127);
    assertThat(other.chars).containsExactly('x', 'y');
    // The byte range is still checked.
    assertThat(rejection(reader, "{\"bytes\":[1,200]}"))
        .hasMessage("OUT_OF_RANGE: number out of range for byte at $.bytes[1]");
  }

  @Test
  void primitiveFieldsNotRequired_nullElementReadsAsTheDefault_asForAField() throws Exception {
    // withPrimitiveFieldsRequired(false) lets a null primitive field read as 0, as plain Jackson
    // does; a null element follows the same option.
    JsonRecordReader<Arrays> reader =
        ReaderFixtures.of(Arrays.class).primitivesRequired(false).reader();

    Arrays read = reader.read(utf8("{\"ints\":[1,null],\"booleans\":[null],\"chars\":[null]}"));

    assertThat(read.ints).containsExactly(1, 0);
    assertThat(read.booleans).containsExactly(false);
    assertThat(read.chars).containsExactly('\0');
  }
}
