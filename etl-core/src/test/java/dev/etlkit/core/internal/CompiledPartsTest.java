package dev.etlkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link CompiledParts} on its own: every part is asked in order until one says no, whatever the
 * number of parts (one class holds eight; more are chained).
 */
class CompiledPartsTest {

  /** Part {@code i}: {@code a[i] == b[i]} of two {@code int[]}, counting its calls in scratch. */
  private static boolean element(int i, Object a, Object b, Object scratch) {
    ((int[]) scratch)[0]++;
    return ((int[]) a)[i] == ((int[]) b)[i];
  }

  private static List<MethodHandle> parts(int count) throws ReflectiveOperationException {
    MethodHandle element =
        MethodHandles.lookup()
            .findStatic(
                CompiledPartsTest.class,
                "element",
                MethodType.methodType(
                    boolean.class, int.class, Object.class, Object.class, Object.class));
    List<MethodHandle> parts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      parts.add(MethodHandles.insertArguments(element, 0, i));
    }
    return parts;
  }

  @Test
  void everyPartIsAskedInOrder_untilOneDiffers_forAnyNumberOfParts() throws Exception {
    for (int count : new int[] {0, 1, 7, 8, 9, 15, 16, 17, 40}) {
      CompiledParts comparison = CompiledParts.of(parts(count));
      int[] a = new int[count];
      int[] calls = new int[1];
      assertThat(comparison.all(a, a.clone(), calls)).as("%d parts, equal", count).isTrue();
      assertThat(calls[0]).as("%d parts: every part asked", count).isEqualTo(count);
      for (int differing = 0; differing < count; differing++) {
        int[] b = a.clone();
        b[differing] = 1;
        calls[0] = 0;
        assertThat(comparison.all(a, b, calls))
            .as("%d parts, #%d differs", count, differing)
            .isFalse();
        assertThat(calls[0]).as("parts asked up to the differing one").isEqualTo(differing + 1);
      }
    }
  }

  public static class Fields {
    private long id;
    private double price;
    private float ratio;
    private char letter;
    private String name;
  }

  @Test
  void fieldParts_comparePrimitivesAsSerialized_andObjectsByTheirPart() throws Exception {
    List<MethodHandle> parts = new ArrayList<>();
    for (String name : new String[] {"id", "price", "ratio", "letter"}) {
      var field = Fields.class.getDeclaredField(name);
      field.setAccessible(true);
      parts.add(CompiledParts.samePrimitiveField(field));
    }
    var name = Fields.class.getDeclaredField("name");
    name.setAccessible(true);
    MethodHandle equals =
        MethodHandles.lookup()
            .findStatic(
                java.util.Objects.class,
                "equals",
                MethodType.methodType(boolean.class, Object.class, Object.class));
    parts.add(
        CompiledParts.sameObjectField(name, MethodHandles.dropArguments(equals, 2, Object.class)));
    CompiledParts comparison = CompiledParts.of(parts);

    Fields a = new Fields();
    Fields b = new Fields();
    assertThat(comparison.all(a, b, null)).isTrue();
    b.price = -0.0;
    assertThat(comparison.all(a, b, null)).as("0.0 and -0.0 serialize apart").isFalse();
    a.price = Double.NaN;
    b.price = Double.longBitsToDouble(0x7ff8_0000_0000_0001L);
    assertThat(comparison.all(a, b, null)).as("all NaNs serialize alike").isTrue();
    b.ratio = -0.0f;
    assertThat(comparison.all(a, b, null)).isFalse();
    b.ratio = 0.0f;
    b.letter = 'x';
    assertThat(comparison.all(a, b, null)).isFalse();
    b.letter = a.letter;
    b.name = "n";
    assertThat(comparison.all(a, b, null)).isFalse();
    a.name = new String("n");
    assertThat(comparison.all(a, b, null)).isTrue();
    a.id = 5;
    assertThat(comparison.all(a, b, null)).isFalse();
  }

  /** A writer's part: appends the field's value to a StringBuilder. */
  private static boolean append(long value, Object out, Object scratch) {
    ((StringBuilder) out).append(value).append(';');
    return true;
  }

  private static boolean append(Object value, Object out, Object scratch) {
    ((StringBuilder) out).append(value).append(';');
    return true;
  }

  @Test
  void fieldInto_handsEachFieldOn_asAWriterDoes() throws Exception {
    List<MethodHandle> parts = new ArrayList<>();
    for (String name : new String[] {"id", "name", "id"}) {
      var field = Fields.class.getDeclaredField(name);
      field.setAccessible(true);
      Class<?> type = field.getType() == long.class ? long.class : Object.class;
      parts.add(
          CompiledParts.fieldInto(
              field,
              MethodHandles.lookup()
                  .findStatic(
                      CompiledPartsTest.class,
                      "append",
                      MethodType.methodType(boolean.class, type, Object.class, Object.class))));
    }
    CompiledParts writer = CompiledParts.of(parts);
    Fields value = new Fields();
    value.id = 42;
    value.name = "n";
    StringBuilder out = new StringBuilder();
    assertThat(writer.all(value, out, null)).isTrue();
    assertThat(out).hasToString("42;n;42;");
  }

  @Test
  void partsOfAnotherType_areRefused() throws Exception {
    MethodHandle wrong = MethodHandles.constant(boolean.class, true);
    assertThatThrownBy(() -> CompiledParts.of(List.of(wrong)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("(Object,Object,Object)boolean");
    assertThatThrownBy(
            () -> CompiledParts.samePrimitiveField(Fields.class.getDeclaredField("name")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aThrowingPart_throws() throws Exception {
    MethodHandle failing =
        MethodHandles.dropArguments(
            MethodHandles.throwException(boolean.class, IOException.class)
                .bindTo(new IOException("part failed")),
            0,
            Object.class,
            Object.class,
            Object.class);
    CompiledParts comparison = CompiledParts.of(List.of(failing));
    assertThatThrownBy(() -> comparison.all(1, 1, null))
        .isInstanceOf(IOException.class)
        .hasMessage("part failed");
  }
}
