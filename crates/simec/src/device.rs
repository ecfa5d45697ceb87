//! Checking that a burn device works before training on it.
//!
//! burn's GPU backends (libtorch CUDA, CubeCL CUDA, wgpu) panic on first use when their device is
//! missing (no GPU, no driver, no Vulkan adapter). [`probe`] turns that into an error a binary can
//! report before any work starts.

use burn::tensor::{Device, Tensor};

/// Creates a 2-element f32 tensor on `device` and reads it back; a panic of the backend is caught
/// (and not printed) and becomes the error.
///
/// # Errors
/// The first line of the backend's panic or error message, or the values read back when they
/// differ from the ones written.
pub fn probe(device: &Device) -> Result<(), String> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let t = Tensor::<1>::from_floats([1.0, 2.0], device);
        t.into_data().try_into_vec_as::<f32>()
    }));
    std::panic::set_hook(hook);
    match result {
        Ok(Ok(v)) if v == [1.0, 2.0] => Ok(()),
        Ok(Ok(v)) => Err(format!("probe tensor read back as {v:?}")),
        Ok(Err(e)) => Err(format!("{e:?}")),
        Err(payload) => Err(short_panic_message(
            payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("the backend panicked"),
        )),
    }
}

/// The first line of a backend's panic message, without the `unwrap` wrapper (libtorch appends
/// a 40-frame C++ backtrace, escaped as `\n` inside a Debug-formatted string).
fn short_panic_message(msg: &str) -> String {
    let msg = msg
        .strip_prefix("called `Result::unwrap()` on an `Err` value: ")
        .unwrap_or(msg);
    let end = [msg.find('\n'), msg.find("\\n")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(msg.len());
    msg[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flex_passes_the_probe() {
        assert_eq!(probe(&Device::flex()), Ok(()));
    }

    #[test]
    fn panic_messages_are_cut_to_their_first_line() {
        let libtorch = "called `Result::unwrap()` on an `Err` value: Torch(\"Found no NVIDIA \
                        driver on your system.\\nException raised from device_count_impl\")";
        assert_eq!(
            short_panic_message(libtorch),
            "Torch(\"Found no NVIDIA driver on your system."
        );
        assert_eq!(short_panic_message("no device\nmore"), "no device");
        assert_eq!(short_panic_message("plain"), "plain");
    }
}
