namespace SystemScope.Symbols.Tests.Support;

/// <summary>C++ and Rust programs whose symbols exercise what mangling can express.</summary>
internal static class ManglingSources
{
    /// <summary>Namespaces, templates, operators, lambdas, std::string and containers, virtual functions, clones (-O2).</summary>
    public const string Cxx = """
        #include <cstdio>
        #include <functional>
        #include <map>
        #include <string>
        #include <vector>

        namespace geo {
        namespace detail {
        template <typename T, int N> struct Vec {
            T v[N];
            __attribute__((noinline)) Vec operator+(const Vec& o) const { Vec r; for (int i = 0; i < N; i++) r.v[i] = v[i] + o.v[i]; return r; }
            __attribute__((noinline)) bool operator==(const Vec& o) const { return v[0] == o.v[0]; }
            T& operator[](int i) { return v[i]; }
        };
        }
        template <typename F> __attribute__((noinline)) int apply(F f, int x) { return f(x); }
        struct Shape { virtual ~Shape() {} virtual double area() const = 0; };
        struct Circle : Shape { double r; explicit Circle(double r) : r(r) {} double area() const override { return 3.14 * r * r; } };
        }

        __attribute__((noinline)) std::string greet(const std::string& who, std::vector<int>* v) { v->push_back(1); return "hi " + who; }

        __attribute__((noinline)) void spin_in_cxx(volatile unsigned long* counter)
        {
            for (;;) {
                std::map<std::string, std::vector<int>> m;
                m[std::to_string(*counter % 7)].push_back((int)*counter);
                (*counter)++;
            }
        }

        int main(int argc, char**)
        {
            geo::detail::Vec<float, 3> a{}, b{};
            auto c = a + b;
            (void)(c == a);
            std::map<std::string, std::vector<int>> m;
            m["x"].push_back(argc);
            std::vector<int> v;
            auto s = greet("you", &v);
            int k = geo::apply([&](int x) { return x + argc + (int)s.size(); }, 3);
            std::function<int(int)> fn = [](int y) { return y * 2; };
            geo::Circle circle(2.0);
            geo::Shape& shape = circle;
            printf("%d %d %f\n", k, fn(k), shape.area());
            printf("spin_in_cxx %p\n", (void*)&spin_in_cxx);
            printf("ready\n");
            fflush(stdout);
            if (argc > 1) { static volatile unsigned long counter; spin_in_cxx(&counter); }
            char line[16];
            while (fgets(line, sizeof line, stdin)) {}
            return 0;
        }
        """;

    /// <summary>
    /// Modules, impls, trait objects with bindings, higher-ranked fn pointers, const generics (bool,
    /// char, negative), tuples, raw pointers, extern "C", closures and non-ASCII identifiers.
    /// </summary>
    public const string Rust = """
        #![allow(dead_code)]
        use std::collections::BTreeMap;
        use std::fmt::Debug;

        pub mod shapes {
            pub trait Shape { fn area(&self) -> f64; fn name(&self) -> String { String::from("shape") } }
            pub struct Circle<T> { pub r: T }
            impl Shape for Circle<f64> { #[inline(never)] fn area(&self) -> f64 { self.r * self.r * 3.14 } }
            impl<T: Copy + Into<f64>> Circle<T> { #[inline(never)] pub fn scaled(&self, k: T) -> f64 { self.r.into() * k.into() } }
            pub mod größe { #[inline(never)] pub fn maß(x: u32) -> u32 { x.wrapping_mul(31) } }
        }

        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct Pair<A, B>(A, B);

        #[inline(never)] fn generic<T: Debug, const N: usize>(x: [T; N]) -> String { format!("{:?}", x) }
        #[inline(never)] fn flag<const B: bool, const C: char, const I: i32>() -> String { format!("{}{}{}", B, C, I) }
        #[inline(never)] fn dynamic(s: &dyn shapes::Shape) -> f64 { s.area() }
        #[inline(never)] fn iterate(it: &mut dyn Iterator<Item = u8>) -> u32 { it.map(u32::from).sum() }
        #[inline(never)] fn call_hr(f: for<'a> fn(&'a str) -> &'a str, s: &str) -> usize { f(s).len() }
        #[inline(never)] fn raw<T>(p: *const T, q: *mut T) -> bool { p == q as *const T }
        #[inline(never)] fn tuple<A: Debug, B: Debug>(t: (A, B, ())) -> String { format!("{:?}", t) }
        #[inline(never)] fn slices(s: &[Pair<u8, i64>], m: &mut BTreeMap<String, Vec<u16>>) -> usize { m.insert(format!("{}", s.len()), vec![1]); m.len() }
        #[inline(never)] fn c_abi(f: unsafe extern "C" fn(i32) -> i32) -> i32 { unsafe { f(2) } }
        extern "C" fn doubler(x: i32) -> i32 { x * 2 }
        fn first(s: &str) -> &str { &s[..1] }

        fn main() {
            let args: Vec<String> = std::env::args().collect();
            let c = shapes::Circle { r: 2.0f64 };
            let ci = shapes::Circle { r: 3u8 };
            let mut m = BTreeMap::new();
            let closure = |x: i32| x + args.len() as i32;
            let boxed: Box<dyn Fn(u64) -> u64> = Box::new(move |y| y * 3);
            let mut it = vec![1u8, 2, 3].into_iter();
            println!("{} {} {} {} {} {} {} {} {} {} {} {} {}",
                generic([1u8, 2]), generic([Pair(1u8, -2i64)]), flag::<true, 'x', -7>(), dynamic(&c), ci.scaled(2),
                shapes::größe::maß(args.len() as u32), iterate(&mut it), call_hr(first, "abc"),
                raw(&1u32 as *const u32, std::ptr::null_mut()), tuple((1i8, "s", ())), slices(&[Pair(1, 2)], &mut m),
                c_abi(doubler), closure(1) as u64 + boxed(2));
            // Taking each function's address keeps a symbol for it, whatever the optimiser inlines.
            let kept: [*const (); 8] = [call_hr as *const (), raw::<Pair<u8, char>> as *const (), c_abi as *const (),
                shapes::Circle::<u16>::scaled as *const (), tuple::<&[u8], Option<&mut i128>> as *const (),
                generic::<fn(&str) -> bool, 3> as *const (), iterate as *const (), first as *const ()];
            std::hint::black_box(kept);
        }
        """;
}
