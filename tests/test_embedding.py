"""The embedding layer: a lookup forward, a scatter-add backward, clear errors for bad ids."""
import numpy as np
import pytest

from rnn_lib import EmbeddingCache, embedding_backward, embedding_forward
from rnn_lib.gradcheck import numerical_gradient_array, relative_error


def test_forward_looks_up_rows():
    W_e = np.arange(12, dtype=float).reshape(4, 3)
    out, _ = embedding_forward(np.array([[3, 0], [1, 1]]), W_e)
    np.testing.assert_array_equal(out, [[W_e[3], W_e[0]], [W_e[1], W_e[1]]])
    out[0, 0] = -1  # a new array: the table is left alone
    assert W_e[3, 0] == 9


@pytest.mark.parametrize("shape", [(2, 5), (1, 1), (3, 4)])
def test_backward_matches_centered_differences(shape):
    rng = np.random.default_rng(0)
    V, D = 4, 3
    idx = rng.integers(0, V, size=shape)  # V = 4 makes repeats certain in (2, 5) and (3, 4)
    W_e = rng.standard_normal((V, D))
    out, cache = embedding_forward(idx, W_e)
    dout = rng.standard_normal(out.shape)
    numeric = numerical_gradient_array(lambda w: embedding_forward(idx, w)[0], W_e, dout)
    assert relative_error(embedding_backward(dout, cache), numeric) < 1e-7


def test_repeated_tokens_add_up_and_unread_rows_get_zero():
    idx = np.array([[2, 2, 0, 2]])
    dout = np.arange(1.0, 9.0).reshape(1, 4, 2)  # rows [1 2] [3 4] [5 6] [7 8]
    _, cache = embedding_forward(idx, np.zeros((3, 2)))
    dW = embedding_backward(dout, cache)
    np.testing.assert_array_equal(dW, [[5, 6], [0, 0], [1 + 3 + 7, 2 + 4 + 8]])


def test_identity_table_gives_one_hot_vectors():
    idx = np.array([[2, 0, 1]])
    out, _ = embedding_forward(idx, np.eye(3))
    np.testing.assert_array_equal(out[0], np.eye(3)[[2, 0, 1]])


def test_float32_table_stays_float32():
    out, cache = embedding_forward(np.array([[0, 1]]), np.ones((2, 3), dtype=np.float32))
    assert out.dtype == np.float32
    assert embedding_backward(np.ones((1, 2, 3), dtype=np.float32), cache).dtype == np.float32


@pytest.mark.parametrize("idx, error, match", [
    (np.array([[0, -1]]), ValueError, r"token ids in 0 \.\. 3 \(V = 4.*1 outside that range, e\.g\. -1"),
    (np.array([[4, 5, 0]]), ValueError, r"2 outside that range, e\.g\. 4"),
    (np.array([[0.0, 1.0]]), TypeError, r"integer token ids 0 \.\. V-1 \(V = 4\); got dtype float64"),
])
def test_bad_ids_are_refused(idx, error, match):
    with pytest.raises(error, match=match):
        embedding_forward(idx, np.zeros((4, 2)))


def test_backward_refuses_a_dout_of_the_wrong_shape():
    _, cache = embedding_forward(np.array([[0, 1, 2]]), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"dout must have the shape of the forward output "
                                         r"\(N, T, D\) = \(1, 3, 2\); got \(1, 3, 4\)"):
        embedding_backward(np.zeros((1, 3, 4)), cache)


def test_backward_refuses_something_else_than_its_cache():
    out = embedding_forward(np.array([[0]]), np.zeros((2, 2)))
    with pytest.raises(TypeError, match="EmbeddingCache that embedding_forward returns"):
        embedding_backward(np.zeros((1, 1, 2)), out)
    assert isinstance(out[1], EmbeddingCache)
