package dev.etlkit.examples;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.domain.JavaTypeVariable;
import com.tngtech.archunit.core.domain.properties.HasSourceCodeLocation;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.EvaluationResult;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import java.util.List;
import java.util.Optional;
import org.apache.flink.annotation.Experimental;
import org.apache.flink.annotation.Internal;
import org.apache.flink.annotation.Public;
import org.apache.flink.annotation.PublicEvolving;
import org.junit.jupiter.api.Test;

/**
 * The public face of etlkit stays small and honest (STYLE.md, rule 1):
 *
 * <ul>
 *   <li>every public top-level type outside {@code ..internal..} declares its stability with
 *       {@code @PublicEvolving}, {@code @Public} or {@code @Experimental};
 *   <li>every public top-level type inside {@code ..internal..} is {@code @Internal} (nested types
 *       share the status of their enclosing type);
 *   <li>no public or protected member of a public API type mentions an internal type in its
 *       signature: field types, parameter and return types (with their type arguments), thrown
 *       exceptions, type-parameter bounds, and the type's own supertypes. Internal packages may use
 *       the public ones freely; the public ones use internals only behind their signatures;
 *   <li>no public API type has public mutable state: every public or protected field is final, and
 *       no public or protected static final field holds an array, a collection or a map (a caller
 *       could change it for the whole JVM, even an immutable {@code List.of} is typed as mutable).
 * </ul>
 *
 * <p>Checked on the library modules on the class path ({@code dev.etlkit..} without examples,
 * benchmarks and test classes). Each rule is also run against deliberately broken fixtures in
 * {@code dev.etlkit.archfixture} to prove it can fail.
 */
class ArchitectureTest {

  private static final JavaClasses LIBRARY =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .withImportOption(
              location ->
                  !location.contains("/dev/etlkit/examples/")
                      && !location.contains("/dev/etlkit/benchmarks/"))
          .importPackages("dev.etlkit");

  private static final JavaClasses FIXTURE =
      new ClassFileImporter().importPackages("dev.etlkit.archfixture");

  static final ArchRule PUBLIC_TYPES_DECLARE_THEIR_STABILITY =
      classes()
          .that()
          .resideOutsideOfPackage("..internal..")
          .and()
          .arePublic()
          .and()
          .areTopLevelClasses()
          .should(declareAStabilityLevel())
          .because("users must see which types they may depend on");

  static final ArchRule INTERNAL_TYPES_ARE_MARKED_INTERNAL =
      classes()
          .that()
          .resideInAPackage("..internal..")
          .and()
          .arePublic()
          .and()
          .areTopLevelClasses()
          .should()
          .beAnnotatedWith(Internal.class)
          .because("public only for use across etlkit packages, not by users");

  static final ArchRule PUBLIC_SIGNATURES_DO_NOT_EXPOSE_INTERNALS =
      classes()
          .that(areApiTypes())
          .should(notExposeInternalTypes())
          .because("an internal type in a public signature makes it public API by accident");

  static final ArchRule PUBLIC_TYPES_HAVE_NO_MUTABLE_PUBLIC_STATE =
      classes()
          .that(areApiTypes())
          .should(haveNoMutablePublicFields())
          .because("a spec or constant users can change is not immutable");

  @Test
  void libraryClassesAreImported() {
    assertThat(LIBRARY.contain(dev.etlkit.core.Etl.class)).isTrue();
    assertThat(LIBRARY.stream().map(JavaClass::getPackageName))
        .noneMatch(
            p -> p.startsWith("dev.etlkit.examples") || p.startsWith("dev.etlkit.archfixture"));
  }

  @Test
  void publicTypes_declareTheirStability() {
    PUBLIC_TYPES_DECLARE_THEIR_STABILITY.check(LIBRARY);
  }

  @Test
  void internalTypes_areMarkedInternal() {
    INTERNAL_TYPES_ARE_MARKED_INTERNAL.check(LIBRARY);
  }

  @Test
  void publicSignatures_doNotExposeInternalTypes() {
    PUBLIC_SIGNATURES_DO_NOT_EXPOSE_INTERNALS.check(LIBRARY);
  }

  @Test
  void publicTypes_haveNoMutablePublicState() {
    PUBLIC_TYPES_HAVE_NO_MUTABLE_PUBLIC_STATE.check(LIBRARY);
  }

  @Test
  void mutableStateRule_reportsEveryMutableField_andNothingElse() {
    List<String> details = violations(PUBLIC_TYPES_HAVE_NO_MUTABLE_PUBLIC_STATE);
    assertThat(details)
        .anyMatch(d -> d.contains("MutableStateApi.NAMES") && d.contains("array"))
        .anyMatch(d -> d.contains("MutableStateApi.LIST") && d.contains("collection or map"))
        .anyMatch(d -> d.contains("MutableStateApi.MAP") && d.contains("collection or map"))
        .anyMatch(d -> d.contains("MutableStateApi.counter") && d.contains("not final"))
        .anyMatch(d -> d.contains("MutableStateApi.label") && d.contains("not final"))
        .anyMatch(d -> d.contains("MutableStateApi$Nested.VALUES"))
        .noneMatch(
            d ->
                d.contains("MutableStateApi.NAME ")
                    || d.contains("MutableStateApi.SIZE")
                    || d.contains("PACKAGE_ARRAY")
                    || d.contains("PRIVATE_LIST")
                    || d.contains("finalLabel")
                    || d.contains("CleanApi"));
  }

  @Test
  void stabilityRule_reportsAnUnannotatedPublicType() {
    assertThat(violations(PUBLIC_TYPES_DECLARE_THEIR_STABILITY))
        .anyMatch(d -> d.contains("dev.etlkit.archfixture.UnannotatedApi"))
        .noneMatch(d -> d.contains("LeakyApi") || d.contains("CleanApi"));
  }

  @Test
  void internalRule_reportsAnUnmarkedInternalType() {
    assertThat(violations(INTERNAL_TYPES_ARE_MARKED_INTERNAL))
        .anyMatch(d -> d.contains("dev.etlkit.archfixture.internal.UnmarkedInternal"))
        .noneMatch(d -> d.contains("archfixture.internal.Hidden"));
  }

  @Test
  void leakRule_reportsEveryKindOfLeak_andNothingElse() {
    List<String> details = violations(PUBLIC_SIGNATURES_DO_NOT_EXPOSE_INTERNALS);
    assertThat(details)
        .anyMatch(d -> d.contains("LeakyApi.hidden") && d.contains("field type"))
        .anyMatch(d -> d.contains("LeakyApi.create()") && d.contains("return type"))
        .anyMatch(d -> d.contains("LeakyApi.accept(") && d.contains("parameter type"))
        .anyMatch(d -> d.contains("LeakyApi.all()") && d.contains("return type"))
        .anyMatch(d -> d.contains("LeakyApi.<init>(") && d.contains("parameter type"))
        .anyMatch(d -> d.contains("LeakyApi.bounded()") && d.contains("type parameter"))
        .anyMatch(d -> d.contains("LeakyApi.fail()") && d.contains("throws"))
        .anyMatch(d -> d.contains("LeakyApi$Nested.get()"))
        .anyMatch(d -> d.contains("LeakyApi$Sub") && d.contains("supertype"))
        .noneMatch(d -> d.contains("CleanApi"))
        .noneMatch(d -> d.contains("LeakyApi.privateUse") || d.contains("LeakyApi.packageUse"));
  }

  private static List<String> violations(ArchRule rule) {
    EvaluationResult result = rule.evaluate(FIXTURE);
    assertThat(result.hasViolation()).as("%s must fail on the fixture", rule).isTrue();
    return result.getFailureReport().getDetails();
  }

  /** Public types outside internal packages whose enclosing types are public too. */
  private static DescribedPredicate<JavaClass> areApiTypes() {
    return DescribedPredicate.describe(
        "are public API types",
        c -> {
          if (isInternal(c)) {
            return false;
          }
          for (Optional<JavaClass> t = Optional.of(c);
              t.isPresent();
              t = t.get().getEnclosingClass()) {
            if (!t.get().getModifiers().contains(JavaModifier.PUBLIC)) {
              return false;
            }
          }
          return true;
        });
  }

  private static ArchCondition<JavaClass> declareAStabilityLevel() {
    return new ArchCondition<>("be annotated with @PublicEvolving, @Public or @Experimental") {
      @Override
      public void check(JavaClass type, ConditionEvents events) {
        if (!type.isAnnotatedWith(PublicEvolving.class)
            && !type.isAnnotatedWith(Public.class)
            && !type.isAnnotatedWith(Experimental.class)) {
          events.add(
              SimpleConditionEvent.violated(
                  type,
                  type.getName()
                      + " is public but not annotated with @PublicEvolving, @Public or"
                      + " @Experimental (move it to an ..internal.. package if users must not"
                      + " depend on it) "
                      + type.getSourceCodeLocation()));
        }
      }
    };
  }

  private static ArchCondition<JavaClass> notExposeInternalTypes() {
    return new ArchCondition<>("not expose internal types in public signatures") {
      @Override
      public void check(JavaClass type, ConditionEvents events) {
        type.getSuperclass().ifPresent(s -> report(type, s, "supertype", events));
        type.getInterfaces().forEach(i -> report(type, i, "supertype", events));
        bounds(type.getTypeParameters(), type, events);
        for (JavaField field : type.getFields()) {
          if (isVisible(field)) {
            report(field, field.getType(), "field type", events);
          }
        }
        for (JavaCodeUnit unit : type.getCodeUnits()) {
          if (!isVisible(unit)) {
            continue;
          }
          report(unit, unit.getReturnType(), "return type", events);
          unit.getParameterTypes().forEach(p -> report(unit, p, "parameter type", events));
          unit.getExceptionTypes().forEach(e -> report(unit, e, "throws clause", events));
          bounds(unit.getTypeParameters(), unit, events);
        }
      }
    };
  }

  private static ArchCondition<JavaClass> haveNoMutablePublicFields() {
    return new ArchCondition<>("have no public mutable state") {
      @Override
      public void check(JavaClass type, ConditionEvents events) {
        for (JavaField field : type.getFields()) {
          if (!isVisible(field)) {
            continue;
          }
          String problem = null;
          if (!field.getModifiers().contains(JavaModifier.FINAL)) {
            problem = "is not final";
          } else if (field.getModifiers().contains(JavaModifier.STATIC)) {
            JavaClass raw = field.getRawType();
            if (raw.isArray()) {
              problem = "holds an array";
            } else if (raw.isAssignableTo(java.util.Collection.class)
                || raw.isAssignableTo(java.util.Map.class)) {
              problem = "holds a collection or map";
            }
          }
          if (problem != null) {
            events.add(
                SimpleConditionEvent.violated(
                    field,
                    field.getFullName()
                        + " "
                        + problem
                        + ": public state users can change "
                        + field.getSourceCodeLocation()));
          }
        }
      }
    };
  }

  private static void bounds(
      List<? extends JavaTypeVariable<?>> variables,
      HasSourceCodeLocation owner,
      ConditionEvents events) {
    for (JavaTypeVariable<?> variable : variables) {
      variable.getUpperBounds().forEach(b -> report(owner, b, "type parameter bound", events));
    }
  }

  private static void report(
      HasSourceCodeLocation owner, JavaType type, String where, ConditionEvents events) {
    for (JavaClass raw : type.getAllInvolvedRawTypes()) {
      JavaClass base = raw.isArray() ? raw.getBaseComponentType() : raw;
      if (isInternal(base)) {
        String message =
            describe(owner)
                + " exposes internal type "
                + base.getName()
                + " in its "
                + where
                + " "
                + owner.getSourceCodeLocation();
        events.add(SimpleConditionEvent.violated(owner, message));
      }
    }
  }

  private static String describe(HasSourceCodeLocation owner) {
    if (owner instanceof JavaMember) {
      return ((JavaMember) owner).getFullName();
    }
    return ((JavaClass) owner).getName();
  }

  private static boolean isVisible(JavaMember member) {
    return member.getModifiers().contains(JavaModifier.PUBLIC)
        || member.getModifiers().contains(JavaModifier.PROTECTED);
  }

  private static boolean isInternal(JavaClass type) {
    String pkg = type.getPackageName();
    return pkg.startsWith("dev.etlkit.")
        && (pkg.endsWith(".internal") || pkg.contains(".internal."));
  }
}
