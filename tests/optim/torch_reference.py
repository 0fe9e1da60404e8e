# Prints the PyTorch reference trajectories that tests/optim/test_optimizers.cpp embeds:
# three steps of each optimizer on p0 = [0.5, -1, 2] with fixed gradients, float64.
# Run with /usr/bin/python3 tests/optim/torch_reference.py (torch 1.13).
import torch
torch.set_default_dtype(torch.float64)
def run(make, steps=3):
    p = torch.nn.Parameter(torch.tensor([0.5, -1.0, 2.0]))
    opt = make([p])
    out = []
    for t in range(1, steps + 1):
        p.grad = torch.tensor([0.1 * t, -0.2, 0.3 * t * (-1) ** t])
        opt.step()
        out.append(p.detach().tolist())
    return out
cases = {
 "sgd plain lr=0.1": lambda ps: torch.optim.SGD(ps, lr=0.1),
 "sgd momentum=0.9 lr=0.1": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9),
 "sgd momentum=0.9 dampening=0.5 weight_decay=0.01 lr=0.1": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.01),
 "sgd momentum=0.9 nesterov weight_decay=0.1 lr=0.05": lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1),
 "adam lr=0.01": lambda ps: torch.optim.Adam(ps, lr=0.01),
 "adam beta1=0.8 beta2=0.99 eps=1e-6 weight_decay=0.1 lr=0.01": lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
 "sgd momentum=0.9 dampening=0.5 lr=0.1 (decay_1d=false on a vector)": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.5),
 "adamw lr=0.01 weight_decay=0.01": lambda ps: torch.optim.AdamW(ps, lr=0.01),
 "adamw beta1=0.8 beta2=0.99 eps=1e-6 weight_decay=0.5 lr=0.02": lambda ps: torch.optim.AdamW(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.5),
 "adamw beta1=0.8 beta2=0.99 eps=1e-6 lr=0.02, param group weight_decay=0 (decay_1d=false on a vector)": lambda ps: torch.optim.AdamW([{"params": ps, "weight_decay": 0.0}], lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.5),
}
print("torch", torch.__version__)
for name, make in cases.items():
    print(name)
    for row in run(make):
        print("   {" + ", ".join(repr(v) for v in row) + "},")
